import os
import sys

from controlmap.data_option import take_data_option

data_dir = take_data_option(sys.argv)
if data_dir is not None:
    os.environ["CONTROLMAP_DATA"] = data_dir

from controlmap.cli import main  # noqa: E402  (after the data folder is known: the paths are read on import)

sys.exit(main())
