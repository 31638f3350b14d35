using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CertFleet.EndToEnd.Tests;

/// <summary>The emulator's admin endpoints (faults, counters, watch history), reached with the kubeconfig it wrote.</summary>
public sealed class EmulatorAdmin : IDisposable
{
    private readonly HttpClient _client;

    private EmulatorAdmin(HttpClient client) => _client = client;

    public static async Task<EmulatorAdmin> ForKubeconfigAsync(string kubeconfigPath)
    {
        var kubeconfig = await File.ReadAllTextAsync(kubeconfigPath);
        string Field(string name) => Regex.Match(kubeconfig, $@"^\s*{name}: (\S+)\s*$", RegexOptions.Multiline) is { Success: true } m
            ? m.Groups[1].Value
            : throw new InvalidOperationException($"the emulator's kubeconfig has no {name}");
        var ca = X509Certificate2.CreateFromPem(Encoding.ASCII.GetString(Convert.FromBase64String(Field("certificate-authority-data"))));
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, chain, _) =>
            {
                chain!.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate!);
            },
        };
        var client = new HttpClient(handler) { BaseAddress = new Uri(Field("server")), Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Field("token"));
        return new EmulatorAdmin(client);
    }

    /// <summary>POST /emulator/faults with this JSON body.</summary>
    public async Task<JsonNode> FaultAsync(string json)
    {
        using var answer = await _client.PostAsync("/emulator/faults", new StringContent(json, Encoding.UTF8, "application/json"));
        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.IsSuccessStatusCode, $"the emulator refused fault {json}: {body}");
        return JsonNode.Parse(body)!;
    }

    /// <summary>One of the emulator's counters (GET /emulator/stats), e.g. "faultsInjected", "requests" or "activeWatches".</summary>
    public async Task<long> CounterAsync(string name)
    {
        var stats = JsonNode.Parse(await _client.GetStringAsync("/emulator/stats"))!;
        return stats[name]!.GetValue<long>();
    }

    /// <summary>DELETE /emulator/faults: no write faults, latency, clock skew or outage.</summary>
    public async Task ClearFaultsAsync()
    {
        using var answer = await _client.DeleteAsync("/emulator/faults");
        answer.EnsureSuccessStatusCode();
    }

    /// <summary>POST /emulator/watch-history/truncate: a watch resumed from before now gets 410 Gone.</summary>
    public async Task TruncateWatchHistoryAsync()
    {
        using var answer = await _client.PostAsync("/emulator/watch-history/truncate", null);
        answer.EnsureSuccessStatusCode();
    }

    public void Dispose() => _client.Dispose();
}
