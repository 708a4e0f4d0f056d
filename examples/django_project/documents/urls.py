from django.urls import path

from . import views

urlpatterns = [
    path("files/", views.file_list, name="file-list"),
    path("documents/", views.upload, name="document-upload"),
    path("documents/<int:pk>/", views.document_detail, name="document-detail"),
]
