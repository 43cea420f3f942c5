from booking_svc.app import main

main()
