from django.urls import path

from incidents.chats import views

urlpatterns = [
    path("cases/<str:reference>/chats/<int:pk>/", views.chat_detail, name="chat_detail"),
    path("cases/<str:reference>/chats/<int:pk>/date-order/", views.chat_date_order, name="chat_date_order"),
    path("cases/<str:reference>/chats/<int:pk>/rebuild/", views.chat_rebuild, name="chat_rebuild"),
    path("cases/<str:reference>/chats/<int:pk>/messages/<int:message_pk>/mark/", views.chat_message_mark,
         name="chat_message_mark"),
    path("cases/<str:reference>/chats/<int:pk>/messages/<int:message_pk>/marks/<int:mark_pk>/remove/",
         views.chat_mark_remove, name="chat_mark_remove"),
    path("cases/<str:reference>/chats/<int:pk>/media/<int:media_pk>/", views.chat_media, name="chat_media"),
]
