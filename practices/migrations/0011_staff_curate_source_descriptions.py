from django.db import migrations

# Staff now curate a source's description (title, publisher, date, issue, address) in the
# admin; its file, kind, checksum and text stay read-only there. Both roles may change it.
ROLES = ("编辑", "审核")


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="practices", codename="change_sourcedocument")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(content_type__app_label="practices", codename="change_sourcedocument")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*permission)


class Migration(migrations.Migration):
    dependencies = [("practices", "0010_provenance_and_english_names")]
    operations = [migrations.RunPython(grant, revoke)]
