from movie_svc.app import main

main()
