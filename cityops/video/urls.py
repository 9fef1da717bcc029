"""Video pages under /video/."""

app_name = "video"
urlpatterns = []
