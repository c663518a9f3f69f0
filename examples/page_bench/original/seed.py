"""Stores the page bench's course in the original INLOOP's models.

The course comes as JSON on standard input, written by the bench from the same definition it
seeds this INLOOP with (`examples/page_bench/seed.rs`), so both are measured on the same data.
Run with the original's environment and `bench_settings` as the settings module, on a freshly
migrated database.
"""

import json
import sys
from datetime import timedelta

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.sites.models import Site  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from inloop.solutions.models import Solution, SolutionFile  # noqa: E402
from inloop.tasks.models import Category, Task  # noqa: E402
from inloop.testrunner.models import TestOutput, TestResult  # noqa: E402


def students(course):
    # One hash for all: the students differ only in their names.
    password = make_password(course["password"])
    return [
        get_user_model().objects.create(
            username=name, email=f"{name}@example.org", password=password, is_active=True
        )
        for name in course["students"]
    ]


def tasks(course, now):
    categories = []
    for order, category in enumerate(course["categories"], start=1):
        stored = Category(
            name=category["name"], description=category["description"], display_order=order
        )
        stored.save()  # the slug comes from the name
        assert stored.slug == category["slug"], (stored.slug, category["slug"])
        categories.append(stored)
    created = []
    for task in course["tasks"]:
        stored = Task(
            title=task["title"],
            system_name=task["slug"],
            description=task["description"],
            pubdate=now - timedelta(days=30),
            deadline=now + timedelta(days=7) if task["deadline"] else None,
            category=categories[task["category"]],
        )
        stored.save()  # the slug comes from the title
        assert stored.slug == task["slug"], (stored.slug, task["slug"])
        created.append(stored)
    return created


def solutions(course, users, all_tasks, now):
    file = course["file"]
    for solution in course["solutions"]:
        submitted = now - timedelta(minutes=solution["minutes_ago"])
        # The number in the URL counts per author and task, as in the bench's own seed.
        stored = Solution.objects.create(
            author=users[solution["author"]], task=all_tasks[solution["task"]]
        )
        Solution.objects.filter(pk=stored.pk).update(submission_date=submitted)
        SolutionFile.objects.create(
            solution=stored, file=ContentFile(file["content"].encode(), name=file["name"])
        )
        result = TestResult.objects.create(
            solution=stored,
            stdout=course["stdout"],
            stderr="",
            return_code=1,
            time_taken=4.2,
        )
        TestResult.objects.filter(pk=result.pk).update(created_at=submitted + timedelta(seconds=5))
        TestOutput.objects.create(result=result, name="TEST-AccountTest.xml", output=course["report"])


def main():
    course = json.load(sys.stdin)
    now = timezone.now()
    with transaction.atomic():
        Site.objects.update_or_create(id=1, defaults={"domain": "127.0.0.1", "name": "INLOOP"})
        users = students(course)
        solutions(course, users, tasks(course, now), now)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


main()
