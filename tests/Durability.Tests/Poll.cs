namespace CertFleet.Durability.Tests;

/// <summary>Waits for a condition with a deadline; a timeout fails the test with what it waited for.</summary>
public static class Poll
{
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0}s waiting for {what}");
            await Task.Delay(100);
        }
    }

    /// <summary>Retries <paramref name="action"/> until it succeeds, e.g. while a client reconnects after a restart.</summary>
    public static async Task<T> SucceedsAsync<T>(Func<Task<T>> action, string what, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return await action();
            }
            catch (Exception ex)
            {
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"{what} kept failing for {timeout.TotalSeconds:0}s", ex);
                await Task.Delay(200);
            }
        }
    }
}
