using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace CertFleet.Bench;

/// <summary>
/// The silo as a child process on free loopback ports: its log (kept in a file, and scanned for the warnings an
/// overloaded grain causes) and its /metrics (grain-to-grain calls and grain state writes by name).
/// </summary>
internal sealed partial class SiloUnderTest : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Uri _metrics;
    private readonly Lock _scanning = new();
    private readonly Dictionary<string, int> _expiredByCall = [];
    private readonly List<LongTurn> _longTurns = [];
    private int _expired;
    private bool _disposed;

    private readonly Uri _ready;

    private SiloUnderTest(Process process, StreamWriter log, int httpPort, int metricsPort)
    {
        _process = process;
        _log = log;
        _ready = new Uri($"http://127.0.0.1:{httpPort}/health/ready");
        _metrics = new Uri($"http://127.0.0.1:{metricsPort}/metrics");
    }

    /// <summary>Waits for /health/ready: active in the Orleans membership, its storage and home cluster answering.</summary>
    public async Task WaitReadyAsync(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            try
            {
                using var response = await _http.GetAsync(_ready);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // no answer within the client's timeout
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"silo {_process.Id} not ready within {within.TotalSeconds:0} s");
            await Task.Delay(500);
        }
    }

    public int Id => _process.Id;

    public static SiloUnderTest Start(string root, string configuration, IReadOnlyDictionary<string, string> settings, string logPath)
    {
        var ports = TestSupport.LoopbackPorts.Allocate(4);
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(root, "Silo", "bin", configuration, "net10.0", "certfleet-silo.dll"));
        foreach (var (k, v) in settings) info.Environment[k] = v;
        info.Environment["CertFleet__Http__Port"] = ports[0].ToString(CultureInfo.InvariantCulture);
        info.Environment["CertFleet__Metrics__Port"] = ports[1].ToString(CultureInfo.InvariantCulture);
        info.Environment["CertFleet__Orleans__SiloPort"] = ports[2].ToString(CultureInfo.InvariantCulture);
        info.Environment["CertFleet__Orleans__GatewayPort"] = ports[3].ToString(CultureInfo.InvariantCulture);
        var silo = new SiloUnderTest(Process.Start(info)!, new StreamWriter(logPath) { AutoFlush = true }, ports[0], ports[1]);
        silo._process.OutputDataReceived += (_, e) => silo.Append(e.Data);
        silo._process.ErrorDataReceived += (_, e) => silo.Append(e.Data);
        silo._process.BeginOutputReadLine();
        silo._process.BeginErrorReadLine();
        // A bench stopped with Ctrl-C or SIGTERM leaves no silo behind.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => silo.Kill();
        return silo;
    }

    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public double PeakRssMiB => StatusKiB("VmHWM:") / 1024.0;
    public double CurrentRssMiB => StatusKiB("VmRSS:") / 1024.0;

    /// <summary>Calls grains made to grains so far, as "IInterface.Method" (CertFleet's certfleet_grain_calls_total).</summary>
    public Task<Dictionary<string, double>> GrainCallsAsync() =>
        ScrapeAsync("certfleet_grain_calls_total", labels => $"{labels["interface"]}.{labels["method"]}");

    /// <summary>ACME requests so far as "action METHOD" (cert-manager's certmanager_http_acme_client_request_count).</summary>
    public Task<Dictionary<string, double>> AcmeRequestsAsync() =>
        ScrapeAsync("certmanager_http_acme_client_request_count", labels => $"{labels["action"]} {labels["method"]}");

    /// <summary>Grain state writes so far by state name (Orleans' storage meter).</summary>
    public Task<Dictionary<string, double>> GrainStateWritesAsync() =>
        ScrapeAsync("microsoft_orleans_orleans_storage_write_latency_count", labels => labels["state_name"]);

    /// <summary>The sum of one metric's series, grouped by the key <paramref name="keyOf"/> makes of their labels.</summary>
    private async Task<Dictionary<string, double>> ScrapeAsync(string metric, Func<IReadOnlyDictionary<string, string>, string> keyOf)
    {
        var text = await _http.GetStringAsync(_metrics);
        var sums = new Dictionary<string, double>();
        foreach (var line in text.Split('\n').Where(l => l.StartsWith(metric + "{", StringComparison.Ordinal)))
        {
            var labels = LabelPattern().Matches(line[..line.LastIndexOf('}')]).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
            var key = keyOf(labels);
            sums[key] = sums.GetValueOrDefault(key) + double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        }
        return sums;
    }

    [GeneratedRegex("""(\w+)="((?:[^"\\]|\\.)*)" """, RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex LabelPattern();

    /// <summary>Where the log's warnings stand now; <see cref="WarningsSince"/> tells what came after.</summary>
    public LogMark MarkLog()
    {
        lock (_scanning)
            return new LogMark(_expired, new Dictionary<string, int>(_expiredByCall), _longTurns.Count);
    }

    public LogWarnings WarningsSince(LogMark mark)
    {
        lock (_scanning)
        {
            var expiredByCall = _expiredByCall
                .Select(e => (e.Key, Count: e.Value - mark.ExpiredByCall.GetValueOrDefault(e.Key)))
                .Where(e => e.Count > 0).OrderByDescending(e => e.Count).ToList();
            var turns = _longTurns.Skip(mark.LongTurns).ToList();
            return new LogWarnings(_expired - mark.Expired, expiredByCall, turns.Count, turns.MaxBy(t => t.Duration));
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_scanning)
        {
            _log.WriteLine(line);
            // Orleans: "Dropping expired message {Message} at phase {Phase}" and "Task {Task} in WorkGroup
            // {GrainContext} took elapsed time {Duration} for execution, which is longer than {Threshold}".
            if (line.Contains("Dropping expired message", StringComparison.Ordinal))
            {
                _expired++;
                var call = GrainCallPattern().Match(line);
                var key = call.Success ? call.Value : "other";
                _expiredByCall[key] = _expiredByCall.GetValueOrDefault(key) + 1;
            }
            else if (LongTurnPattern().Match(line) is { Success: true } turn
                     && TimeSpan.TryParse(turn.Groups["duration"].Value, CultureInfo.InvariantCulture, out var duration))
            {
                _longTurns.Add(new LongTurn(duration, turn.Groups["grain"].Value));
            }
        }
    }

    [GeneratedRegex(@"\bI\w+Grain\.\w+")]
    private static partial Regex GrainCallPattern();

    [GeneratedRegex(@"in WorkGroup (?<grain>.*) took elapsed time (?<duration>[\d:.]+) for execution")]
    private static partial Regex LongTurnPattern();

    private long StatusKiB(string field)
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // disposed already
        }
    }

    public void Dispose()
    {
        // The fleet phase stops the first phases' silo early; the program's end disposes it again.
        if (_disposed) return;
        _disposed = true;
        Kill();
        _process.WaitForExit(5000);
        _process.Dispose();
        _http.Dispose();
        lock (_scanning) _log.Dispose();
    }
}

internal sealed record LogMark(int Expired, IReadOnlyDictionary<string, int> ExpiredByCall, int LongTurns);

internal sealed record LongTurn(TimeSpan Duration, string Grain);

internal sealed record LogWarnings(int Expired, IReadOnlyList<(string Call, int Count)> ExpiredByCall, int LongTurns, LongTurn? Longest)
{
    public override string ToString()
    {
        var expired = Expired == 0 ? "no expired message"
            : $"{Expired} \"Dropping expired message\" ({string.Join(", ", ExpiredByCall.Take(4).Select(e => $"{e.Call} {e.Count}"))})";
        var turns = Longest is null ? "no grain turn over 1 s"
            : $"{LongTurns} grain turns over 1 s (\"took elapsed time\"), the longest {Longest.Duration.TotalSeconds:F3} s in {Shorten(Longest.Grain)}";
        return $"{expired}; {turns}";
    }

    private static string Shorten(string grain) => grain.Length <= 160 ? grain : grain[..160] + "…";
}
