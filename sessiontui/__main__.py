from sessiontui.cli import main

if __name__ == "__main__":  # a process-pool worker imports this module too
    raise SystemExit(main())
