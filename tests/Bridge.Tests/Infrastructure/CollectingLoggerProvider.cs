using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace CertFleet.Bridge.Tests.Infrastructure;

/// <summary>
/// Keeps every log line, for tests that check what operators are told, with the Cluster field of the innermost scope
/// that has one (null when none was open).
/// </summary>
public sealed class CollectingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<(LogLevel Level, string Message, string? Cluster)> _entries = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyCollection<(LogLevel Level, string Message, string? Cluster)> Entries => _entries;

    public ILogger CreateLogger(string categoryName) => new CollectingLogger(this);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class CollectingLogger(CollectingLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            var cluster = new StrongBox<string?>();
            provider._scopes.ForEachScope((scope, found) =>
            {
                if (scope is IEnumerable<KeyValuePair<string, object?>> fields && fields.FirstOrDefault(f => f.Key == "Cluster").Value is string name)
                    found.Value = name;
            }, cluster);
            provider._entries.Enqueue((logLevel, formatter(state, exception), cluster.Value));
        }
    }
}
