using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Json;
using CertFleet.KubeEmulator.Resources;
using CertFleet.KubeEmulator.Storage;
using CertFleet.KubeEmulator.Tables;
using Microsoft.AspNetCore.Http;

namespace CertFleet.KubeEmulator.Api;

/// <summary>What one watch request asked for.</summary>
internal sealed record WatchRequest(
    ResourceType Type,
    ServedVersion Version,
    string? Namespace,
    Func<StoredObject, bool> Matches,
    long? FromRevision,
    bool Bookmarks,
    bool InitialEventsEnd,
    TimeSpan Timeout,
    ResponseFormat Format,
    IncludeObject Include);

/// <summary>
/// Streams a watch: HTTP 200, then one JSON object and "\n" per event, flushed as soon as the queue is drained,
/// on HTTP/1.1 (chunked) or HTTP/2 alike. Ends at timeoutSeconds, when the client leaves, or when the watcher is closed.
/// </summary>
internal sealed class WatchStream(ObjectStore store, EmulatorStats stats, KubeEmulatorOptions options)
{
    private static readonly byte[] EventEnd = "}\n"u8.ToArray();

    public async Task RunAsync(HttpContext context, WatchRequest request, CancellationToken serverStopping)
    {
        // A watch answers 200 even when it then reports 410, so the headers go first.
        context.Response.StatusCode = 200;
        context.Response.ContentType = request.Format.ContentType;
        context.Response.Headers.CacheControl = "no-cache, private";
        await context.Response.StartAsync(context.RequestAborted);
        var output = context.Response.BodyWriter;
        var bucket = store.Bucket(request.Type.GroupResource);
        var watcher = new Watcher(request.Namespace, request.Matches, options.WatchQueueLength);
        var start = bucket.StartWatch(watcher, request.Matches, request.FromRevision, request.InitialEventsEnd && request.Bookmarks);
        if (start.ExpiredMessage is { } expired)
        {
            WriteEvent(output, "ERROR", JsonTree.ToBytes(ApiError.Expired(expired).ToStatus()));
            stats.CountWatchEvents(1);
            await output.FlushAsync(context.RequestAborted);
            return;
        }

        stats.WatchOpened();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, serverStopping);
        stop.CancelAfter(request.Timeout);
        var bookmarks = request.Bookmarks ? OfferBookmarksAsync(bucket, watcher, stop.Token) : Task.CompletedTask;
        var encoder = new EventEncoder(request);
        try
        {
            foreach (var message in start.Initial)
            {
                encoder.Write(output, message);
            }
            stats.CountWatchEvents(start.Initial.Count);
            await output.FlushAsync(stop.Token);
            var reader = watcher.Reader;
            while (await reader.WaitToReadAsync(stop.Token))
            {
                var sent = 0;
                while (reader.TryRead(out var message))
                {
                    encoder.Write(output, message);
                    sent++;
                }
                stats.CountWatchEvents(sent);
                await output.FlushAsync(stop.Token);
            }
            if (watcher.Aborted)
            {
                context.Abort();
            }
        }
        catch (OperationCanceledException)
        {
            // timeoutSeconds passed, the client went away, or the emulator is stopping: end the stream.
        }
        finally
        {
            bucket.StopWatch(watcher);
            watcher.Close();
            await stop.CancelAsync();
            await bookmarks;
            stats.WatchClosed();
        }
    }

    private async Task OfferBookmarksAsync(ResourceBucket bucket, Watcher watcher, CancellationToken cancellation)
    {
        using var timer = new PeriodicTimer(options.BookmarkInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellation))
            {
                bucket.OfferBookmark(watcher);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static void WriteEvent(PipeWriter output, string type, ReadOnlySpan<byte> obj)
    {
        output.Write(Encoding.ASCII.GetBytes($"{{\"type\":\"{type}\",\"object\":"));
        output.Write(obj);
        output.Write(EventEnd);
    }

    /// <summary>Turns queued messages into event lines in the requested representation.</summary>
    private sealed class EventEncoder(WatchRequest request)
    {
        private bool _sentColumns;

        public void Write(PipeWriter output, WatchMessage message)
        {
            switch (message)
            {
                case ObjectMessage change:
                    WriteEvent(output, change.Type, Encode(change.Object));
                    break;
                case BookmarkMessage bookmark:
                    WriteEvent(output, "BOOKMARK", JsonTree.ToBytes(Bookmark(bookmark)));
                    break;
                case ErrorMessage error:
                    WriteEvent(output, "ERROR", JsonTree.ToBytes(error.Error.ToStatus()));
                    break;
            }
        }

        private byte[] Encode(StoredObject obj)
        {
            switch (request.Format.Kind)
            {
                case OutputKind.Table:
                    // Like the apiserver, only the first event carries the column definitions.
                    var table = TableDocument.Create(request.Version.Table, [obj.CloneAs(request.Version.ApiVersion)], null,
                        request.Include, withColumns: !_sentColumns, request.Format.MetaApiVersion);
                    _sentColumns = true;
                    return JsonTree.ToBytes(table);
                case OutputKind.Metadata:
                    return JsonTree.ToBytes(TableDocument.PartialObjectMetadata(obj.Object));
                default:
                    return obj.JsonAs(request.Version.ApiVersion);
            }
        }

        private JsonObject Bookmark(BookmarkMessage bookmark)
        {
            var metadata = new JsonObject { ["resourceVersion"] = bookmark.ResourceVersion.ToString(CultureInfo.InvariantCulture) };
            if (bookmark.InitialEventsEnd)
            {
                metadata["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
            }
            return new JsonObject
            {
                ["kind"] = request.Type.Kind,
                ["apiVersion"] = request.Version.ApiVersion,
                ["metadata"] = metadata,
            };
        }
    }
}
