import sys

from controlmap.cli import main

sys.exit(main())
