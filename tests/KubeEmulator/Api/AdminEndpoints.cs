using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Json;
using CertFleet.KubeEmulator.Storage;
using Microsoft.AspNetCore.Http;

namespace CertFleet.KubeEmulator.Api;

/// <summary>
/// The emulator's own authenticated endpoints, for tests in other processes:
/// <list type="bullet">
/// <item>POST /emulator/faults — {"kind":"write","group":"","resource":"secrets","code":409,"count":2,"namespace":..,"name":..,"verb":..},
/// {"kind":"watch","group":"","resource":"secrets","action":"expire"|"cut"}, {"kind":"latency","milliseconds":20} or
/// {"kind":"clock","offsetSeconds":-600} or {"kind":"unreachable","seconds":180}; a write fault with code 429 or 503 may add
/// "retryAfterSeconds"</item>
/// <item>DELETE /emulator/faults — clears write faults, latency, clock skew and an outage</item>
/// <item>GET /emulator/stats — the counters as JSON</item>
/// <item>POST /emulator/watch-history/truncate — forget watch history, so resuming watches get 410</item>
/// </list>
/// </summary>
internal sealed class AdminEndpoints(FaultInjector faults, EmulatorStats stats, ObjectStore store)
{
    public async Task HandleAsync(HttpContext context, string path)
    {
        switch (context.Request.Method, path)
        {
            case ("GET", "/emulator/stats"):
                await ResponseWriter.WriteAsync(context, 200, System.Text.Encoding.UTF8.GetBytes(stats.ToJson()));
                break;
            case ("POST", "/emulator/faults"):
                var body = RequestBody.ReadObject(await RequestBody.ReadAsync(context), "application/json");
                await ResponseWriter.WriteAsync(context, 200, AddFault(body));
                break;
            case ("DELETE", "/emulator/faults"):
                faults.Clear();
                await ResponseWriter.WriteAsync(context, 200, new JsonObject { ["cleared"] = true });
                break;
            case ("POST", "/emulator/watch-history/truncate"):
                store.TruncateHistory();
                await ResponseWriter.WriteAsync(context, 200, new JsonObject { ["truncatedThrough"] = store.CurrentRevision });
                break;
            default:
                throw ApiError.NoSuchPath();
        }
    }

    private JsonObject AddFault(JsonObject fault)
    {
        var group = fault["group"].AsString() ?? "";
        var resource = fault["resource"].AsString();
        try
        {
            switch (fault["kind"].AsString())
            {
                case "write" when resource is not null:
                    faults.FailWrites(new WriteFault(group, resource, (int)(fault["code"].AsLong() ?? 500), (int)(fault["count"].AsLong() ?? 1))
                    {
                        Namespace = fault["namespace"].AsString(),
                        Name = fault["name"].AsString(),
                        Verb = fault["verb"].AsString(),
                        RetryAfterSeconds = fault["retryAfterSeconds"].AsLong() is { } seconds ? (int)seconds : null,
                    });
                    return new JsonObject { ["added"] = true };
                case "watch" when resource is not null:
                    var how = fault["action"].AsString() == "cut" ? WatchBreak.Cut : WatchBreak.Expire;
                    return new JsonObject { ["watchesAffected"] = faults.BreakWatches(group, resource, how) };
                case "latency":
                    faults.Latency = TimeSpan.FromMilliseconds(fault["milliseconds"].AsLong() ?? 0);
                    return new JsonObject { ["latencyMilliseconds"] = faults.Latency.TotalMilliseconds };
                case "clock":
                    faults.ClockOffset = TimeSpan.FromSeconds(fault["offsetSeconds"].AsLong() ?? 0);
                    return new JsonObject { ["offsetSeconds"] = faults.ClockOffset.TotalSeconds };
                case "unreachable" when fault["seconds"].AsLong() is { } outage:
                    return new JsonObject { ["watchesAffected"] = faults.MakeUnreachable(TimeSpan.FromSeconds(outage)) };
                default:
                    throw ApiError.BadRequest("a fault needs kind write (group, resource, code, count), watch (group, resource, action), latency (milliseconds), clock (offsetSeconds) or unreachable (seconds)");
            }
        }
        catch (ArgumentException e)
        {
            throw ApiError.BadRequest(e.Message);
        }
    }
}
