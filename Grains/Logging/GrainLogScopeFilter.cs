using Microsoft.Extensions.Logging;

namespace CertFleet.Grains.Logging;

/// <summary>
/// Opens a <see cref="GrainLogScope"/> around every incoming grain call, so log lines written anywhere below (grain,
/// providers, Orleans) name the object. Reminder ticks are grain calls, and Orleans 10 delivers grain timer ticks
/// (<see cref="StepTimer"/>) as messages through the same filters, so one filter covers all three (see LogScopeTests).
/// Register with <c>silo.AddIncomingGrainCallFilter</c>.
/// </summary>
public sealed class GrainLogScopeFilter(ILoggerFactory loggers) : IIncomingGrainCallFilter
{
    // Scopes belong to the factory, not the category: one logger opens them for all.
    private readonly ILogger _logger = loggers.CreateLogger<GrainLogScopeFilter>();

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        using var scope = GrainLogScope.Begin(_logger, context.TargetId);
        await context.Invoke();
    }
}
