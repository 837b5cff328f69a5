from emby_analytics.cli import main

raise SystemExit(main())
