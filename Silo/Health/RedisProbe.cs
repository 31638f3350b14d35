using StackExchange.Redis;

namespace CertFleet.Silo.Health;

/// <summary>
/// Asks the Redis that holds grain state, reminders and membership whether it answers (a PING within
/// <see cref="Timeout"/>), over one connection of its own that reconnects by itself. Answers are kept for
/// <see cref="CacheTime"/>, so probes cost Redis at most one PING per few seconds whatever their rate.
/// </summary>
public sealed class RedisProbe(RedisSettings settings, TimeProvider clock) : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan CacheTime = TimeSpan.FromSeconds(3);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private ConnectionMultiplexer? _connection;
    private (DateTimeOffset At, string? Problem)? _last;

    /// <summary>The servers' host:port list, which holds no password.</summary>
    public string Endpoints { get; } = string.Join(",", settings.ClientOptions().EndPoints.Select(endPoint => endPoint.ToString()));

    /// <summary>Why Redis does not answer now, or null when it does; at most <see cref="CacheTime"/> old.</summary>
    public async Task<string?> ProblemAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (_last is { } last && clock.GetUtcNow() - last.At < CacheTime)
                return last.Problem;
            var problem = await PingAsync(ct);
            _last = (clock.GetUtcNow(), problem);
            return problem;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<string?> PingAsync(CancellationToken ct)
    {
        try
        {
            _connection ??= await ConnectAsync();
            await _connection.GetDatabase().PingAsync().WaitAsync(Timeout, ct);
            return null;
        }
        catch (TimeoutException)
        {
            return $"no answer within {Timeout.TotalSeconds:0} s";
        }
        catch (Exception exception) when (exception is RedisException or System.Net.Sockets.SocketException or IOException)
        {
            // StackExchange.Redis' messages name endpoints and states, never the password; its diagnostics after the
            // first ", " (counters, timers) say nothing an operator acts on.
            var message = exception.Message;
            if (message.IndexOf(", ", StringComparison.Ordinal) is > 0 and var end)
                message = message[..end];
            return RedisSettings.Redacted(message.Length > 300 ? message[..300] + "…" : message);
        }
    }

    private Task<ConnectionMultiplexer> ConnectAsync()
    {
        var options = settings.ClientOptions();
        // Connect in the background and keep reconnecting, so the probe never waits on more than one PING.
        options.AbortOnConnectFail = false;
        // A PING while disconnected fails at once with the connection's state instead of queueing for the timeout.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ConnectTimeout = (int)Timeout.TotalMilliseconds;
        options.ClientName = "certfleet-probe";
        return ConnectionMultiplexer.ConnectAsync(options);
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
            await _connection.DisposeAsync();
        _gate.Dispose();
    }
}
