from cityops.core.management.commands.worker import Command as Worker


class Command(Worker):
    help = "The IoT jobs alone (iot.*); `cityops worker` runs them with every other app's."
    prefixes = ("iot.",)
