from sessiontui.cli import run

if __name__ == "__main__":  # a process-pool worker imports this module too
    run()
