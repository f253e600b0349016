from sessiontui.cli import main

raise SystemExit(main())
