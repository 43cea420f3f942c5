from user_svc.app import main

main()
