from cityops.core.management.commands.worker import Command as Worker


class Command(Worker):
    help = (
        "The video jobs alone (video.*: the health sweep every CITYOPS_VIDEO_SWEEP_SECONDS and the "
        "online-time rollup); `cityops worker` runs them with every other app's. --once: one sweep "
        "and one rollup now."
    )
    prefixes = ("video.",)
