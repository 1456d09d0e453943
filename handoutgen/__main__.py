from handoutgen.cli import main

main()
