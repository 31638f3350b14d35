using System.Diagnostics;
using YamlDotNet.Serialization;

namespace CertFleet.TestSupport;

/// <summary>Debian's promtool, running unit tests of the guide's alert rule (seed 06) over given series.</summary>
public static class Promtool
{
    /// <summary>promtool's path; fails the test, saying how to install it, when it is missing.</summary>
    public static string Require()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "promtool")).FirstOrDefault(File.Exists);
        Xunit.Assert.True(path is not null,
            "promtool is not installed: it comes with Debian's package 'prometheus' (apt-get install prometheus; .ci/run installs it)");
        return path!;
    }

    /// <summary>
    /// Runs <c>promtool test rules</c> on <paramref name="testYaml"/> (a rule test file naming <c>rules.yaml</c>),
    /// with rules.yaml holding the seed PrometheusRule's groups; asserts that every case passed.
    /// </summary>
    public static async Task AssertSeedRuleTestPassesAsync(string testYaml)
    {
        var promtool = Require();
        var dir = Directory.CreateTempSubdirectory("certfleet-promtool-").FullName;
        try
        {
            var seed = await File.ReadAllTextAsync(Path.Combine(RepositoryCheckout.Seeds, "06-prometheusrule.yaml"));
            var rule = new DeserializerBuilder().Build().Deserialize<Dictionary<string, object>>(seed);
            await File.WriteAllTextAsync(Path.Combine(dir, "rules.yaml"), new SerializerBuilder().Build().Serialize(rule["spec"]));
            var test = Path.Combine(dir, "test.yaml");
            await File.WriteAllTextAsync(test, testYaml);

            var info = new ProcessStartInfo(promtool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add("test");
            info.ArgumentList.Add("rules");
            info.ArgumentList.Add(test);
            using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start promtool");
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            var said = await output + await error;
            Xunit.Assert.True(process.ExitCode == 0, $"promtool test rules failed ({process.ExitCode}):\n{said}\n{testYaml}");
            Xunit.Assert.Contains("SUCCESS", said);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
