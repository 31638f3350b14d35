namespace CertFleet.KubeEmulator.Tests.Infrastructure;

/// <summary>Polls a condition until it holds or a deadline passes (never a fixed sleep before asserting).</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(15);

    public static async Task HoldsAsync(Func<Task<bool>> condition, string description, TimeSpan? deadline = null)
    {
        var until = DateTime.UtcNow + (deadline ?? DefaultDeadline);
        while (true)
        {
            if (await condition())
            {
                return;
            }
            if (DateTime.UtcNow > until)
            {
                Assert.Fail($"timed out waiting until {description}");
            }
            await Task.Delay(50);
        }
    }
}
