"""The operations centre's pages under /ops/."""

app_name = "ops"
urlpatterns = []
