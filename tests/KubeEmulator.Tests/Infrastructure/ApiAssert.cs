using System.Text.Json.Nodes;
using k8s.Autorest;

namespace CertFleet.KubeEmulator.Tests.Infrastructure;

/// <summary>Assertions on the Status bodies KubernetesClient surfaces as HttpOperationException.</summary>
public static class ApiAssert
{
    /// <summary>Runs <paramref name="call"/>, expects it to fail with <paramref name="code"/>, and returns the Status body.</summary>
    public static async Task<JsonObject> FailsAsync(int code, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<HttpOperationException>(call);
        Assert.Equal(code, (int)error.Response.StatusCode);
        var status = JsonNode.Parse(error.Response.Content)!.AsObject();
        Assert.Equal("Status", status["kind"]!.GetValue<string>());
        Assert.Equal("Failure", status["status"]!.GetValue<string>());
        Assert.Equal(code, status["code"]!.GetValue<int>());
        return status;
    }

    public static string Message(this JsonObject status) => status["message"]!.GetValue<string>();

    public static string Reason(this JsonObject status) => status["reason"]!.GetValue<string>();
}
