from cityops.core.management.commands.worker import Command as Worker


class Command(Worker):
    help = "The grid-governance jobs alone (cases.*); `cityops worker` runs them with every other app's."
    prefixes = ("cases.",)
