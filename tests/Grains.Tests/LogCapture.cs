using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CertFleet.Grains.Tests;

/// <summary>Keeps every log line the silo writes, with the fields of the scopes open at the time.</summary>
public sealed class LogCapture : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyCollection<LogEntry> Entries => _entries;

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => capture._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = new List<IReadOnlyDictionary<string, object?>>();
            capture._scopes.ForEachScope((scope, list) =>
            {
                if (scope is IEnumerable<KeyValuePair<string, object?>> fields)
                    list.Add(fields.ToDictionary(f => f.Key, f => f.Value));
            }, scopes);
            capture._entries.Enqueue(new LogEntry(category, logLevel, formatter(state, exception), scopes));
        }
    }
}

public sealed record LogEntry(string Category, LogLevel Level, string Message, IReadOnlyList<IReadOnlyDictionary<string, object?>> Scopes)
{
    /// <summary>The fields of the innermost object scope, or null when no grain scope was open.</summary>
    public IReadOnlyDictionary<string, object?>? ObjectScope => Scopes.LastOrDefault(s => s.ContainsKey("Kind") && s.ContainsKey("Object"));
}
