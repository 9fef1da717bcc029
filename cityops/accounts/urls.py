from django.urls import path

from cityops.accounts import views
from cityops.accounts.reviews import views as reviews

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("profile/", views.profile, name="profile"),
    path("reviews/", reviews.reviews, name="reviews"),
    path("reviews/open/", reviews.review_open, name="review_open"),
    path("reviews/<id:pk>/", reviews.review, name="review"),
    path("reviews/<id:pk>/items/<id:item_pk>/", reviews.item_decide, name="review_item"),
    path("reviews/<id:pk>/sign/", reviews.review_sign, name="review_sign"),
]
