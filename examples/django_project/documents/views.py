"""Async views: the storage's async API and the async ORM, nothing blocks the loop."""

from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponseBadRequest, JsonResponse
from django.shortcuts import aget_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .models import Document


@require_GET
async def file_list(request: HttpRequest) -> JsonResponse:
    """The stored files under ``documents/``, with size, modification time and URL."""
    _, names = await default_storage.alistdir("documents")
    files = []
    for name in sorted(names):
        path = f"documents/{name}"
        files.append(
            {
                "name": path,
                "size": await default_storage.asize(path),
                "modified": (await default_storage.aget_modified_time(path)).isoformat(),
                "url": default_storage.url(path),
            }
        )
    return JsonResponse({"files": files})


@csrf_exempt  # an API for scripts; the admin is the browser's way to upload
@require_POST
async def upload(request: HttpRequest) -> JsonResponse:
    """Store the uploaded ``file`` with ``asave`` and record it as a Document."""
    upload = request.FILES.get("file")
    if upload is None:
        return HttpResponseBadRequest("send a 'file' field")
    name = await default_storage.asave(f"documents/{upload.name}", upload)
    document = await Document.objects.acreate(title=request.POST.get("title", name), file=name)
    return JsonResponse({"id": document.pk, "name": name}, status=201)


@require_GET
async def document_detail(request: HttpRequest, pk: int) -> JsonResponse:
    """A document's record and the first bytes of its file (read with ``aopen``)."""
    document = await aget_object_or_404(Document, pk=pk)
    async with default_storage.aopen(document.file.name) as f:
        head = await f.read(64)
    return JsonResponse(
        {
            "id": document.pk,
            "title": document.title,
            "name": document.file.name,
            "size": await default_storage.asize(document.file.name),
            "url": document.file.url,
            "head": head.decode("utf-8", "replace"),
        }
    )
