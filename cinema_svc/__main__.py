from cinema_svc.app import main

main()
