"""URLs of tasks: "my day", the list, one task, and the contact page's tasks panel and call and
meeting logs."""

from django.urls import URLPattern, path

from leadline.sales import task_views

urlpatterns: list[URLPattern] = [
    path("tasks/", task_views.my_day, name="my_day"),
    path("tasks/all/", task_views.task_list, name="task_list"),
    path("tasks/new/", task_views.task_create, name="task_create"),
    path("tasks/contact-options/", task_views.contact_options, name="task_contact_options"),
    path("tasks/<str:task_id>/", task_views.task_detail, name="task_detail"),
    path("tasks/<str:task_id>/complete/", task_views.task_complete, name="task_complete"),
    path("tasks/<str:task_id>/reopen/", task_views.task_reopen, name="task_reopen"),
    path("tasks/<str:task_id>/delete/", task_views.task_delete, name="task_delete"),
    path("contacts/<uuid:public_id>/tasks/", task_views.contact_tasks, name="contact_tasks"),
    path("contacts/<uuid:public_id>/log-call/", task_views.log_call, name="log_call"),
    path("contacts/<uuid:public_id>/log-meeting/", task_views.log_meeting, name="log_meeting"),
]
