from repcount.cli import main

raise SystemExit(main())
