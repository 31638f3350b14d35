using Orleans.Runtime;
using Orleans.Storage;

namespace CertFleet.Grains.Tests;

/// <summary>
/// Grain storage that can lose the answer to one write, as when the store restarts under it: the write lands, but the
/// grain hears a timeout and keeps its old ETag, so its next write conflicts with what it wrote itself.
/// </summary>
public sealed class LostAnswerStorage : IGrainStorage
{
    private readonly Lock _gate = new();
    private IGrainStorage _inner = null!;
    private string? _stateName;
    private string _grainKeyPart = "";
    private int _writesToPass;

    /// <summary>Writes whose answer was lost so far.</summary>
    public int AnswersLost { get; private set; }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<GrainId, int> _writes = new();

    /// <summary>Writes of one grain's state so far.</summary>
    public int WritesOf(GrainId grainId) => _writes.GetValueOrDefault(grainId);

    public LostAnswerStorage Over(IGrainStorage inner)
    {
        _inner = inner;
        return this;
    }

    /// <summary>
    /// Of the writes of <paramref name="stateName"/> by grains whose key contains <paramref name="grainKeyPart"/>, lets
    /// <paramref name="writesToPass"/> through and loses the answer to the next.
    /// </summary>
    public void LoseAnswerToWrite(string stateName, string grainKeyPart, int writesToPass)
    {
        lock (_gate)
        {
            _stateName = stateName;
            _grainKeyPart = grainKeyPart;
            _writesToPass = writesToPass;
        }
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => _inner.ReadStateAsync(stateName, grainId, grainState);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => _inner.ClearStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        _writes.AddOrUpdate(grainId, 1, (_, n) => n + 1);
        if (!LosesThisAnswer(stateName, grainId))
        {
            await _inner.WriteStateAsync(stateName, grainId, grainState);
            return;
        }
        var (etag, existed) = (grainState.ETag, grainState.RecordExists);
        await _inner.WriteStateAsync(stateName, grainId, grainState);
        (grainState.ETag, grainState.RecordExists) = (etag, existed);
        throw new TimeoutException($"the store did not answer the write of {stateName} for {grainId} (it restarted)");
    }

    private bool LosesThisAnswer(string stateName, GrainId grainId)
    {
        lock (_gate)
        {
            if (_stateName != stateName || !grainId.Key.ToString()!.Contains(_grainKeyPart, StringComparison.Ordinal))
                return false;
            if (_writesToPass-- > 0)
                return false;
            _stateName = null;
            AnswersLost++;
            return true;
        }
    }
}
