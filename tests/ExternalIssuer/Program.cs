using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

// A minimal external issuer, as step-issuer or aws-privateca-issuer behave towards cert-manager: it reads the
// CertificateRequests whose issuerRef names its group, leaves approval to the approver, signs approved ones with its
// own CA (status.certificate, status.ca, Ready=True) and fails those for the issuer named "failing" (Ready=False,
// reason Failed). Usage: external-issuer --kubeconfig <file> --group <api group>
var kubeconfig = Argument("--kubeconfig");
var group = Argument("--group");
var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));

using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
var caRequest = new CertificateRequest($"CN=external issuer {group}", caKey, HashAlgorithmName.SHA256);
caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddYears(1));
var caPem = ca.ExportCertificatePem();
Console.WriteLine($"external issuer for group {group} ready");

// A short list loop rather than a watch: the tests' namespaces hold a handful of requests.
while (true)
{
    try
    {
        var list = (JsonElement)await client.CustomObjects.ListClusterCustomObjectAsync("cert-manager.io", "v1", "certificaterequests");
        foreach (var item in list.GetProperty("items").EnumerateArray())
        {
            var request = JsonNode.Parse(item.GetRawText())!.AsObject();
            try
            {
                await HandleAsync(request);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Console.WriteLine($"{request["metadata"]?["namespace"]}/{request["metadata"]?["name"]}: {ex.Message}");
            }
        }
    }
    catch (Exception ex) when (ex is not OutOfMemoryException)
    {
        Console.WriteLine($"listing failed: {ex.Message}");
    }
    await Task.Delay(200);
}

async Task HandleAsync(JsonObject request)
{
    var issuerRef = request["spec"]?["issuerRef"];
    if (issuerRef?["group"]?.GetValue<string>() != group)
        return;
    var conditions = request["status"]?["conditions"] as JsonArray ?? [];
    JsonNode? Condition(string type) => conditions.FirstOrDefault(c => c?["type"]?.GetValue<string>() == type);
    var ready = Condition("Ready");
    if (ready?["status"]?.GetValue<string>() == "True" || ready?["reason"]?.GetValue<string>() is "Failed" or "Denied")
        return; // done
    var name = request["metadata"]!["name"]!.GetValue<string>();
    var ns = request["metadata"]!["namespace"]!.GetValue<string>();
    if (Condition("Denied")?["status"]?.GetValue<string>() == "True")
    {
        await WriteAsync(request, conditions, Ready("False", "Denied", "The CertificateRequest was denied by an approval controller"), null);
        return;
    }
    if (Condition("Approved")?["status"]?.GetValue<string>() != "True")
        return; // approving is the approver's job
    if (issuerRef!["name"]?.GetValue<string>() == "failing")
    {
        await WriteAsync(request, conditions, Ready("False", "Failed", $"external issuer {group} refuses to sign {ns}/{name}: the issuer named failing never signs"), null);
        Console.WriteLine($"failed {ns}/{name}");
        return;
    }
    var csrPem = Encoding.UTF8.GetString(Convert.FromBase64String(request["spec"]!["request"]!.GetValue<string>()));
    var csr = CertificateRequest.LoadSigningRequestPem(csrPem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
    var leafRequest = new CertificateRequest(csr.SubjectName, csr.PublicKey, HashAlgorithmName.SHA256);
    // The CSR's own extensions (SANs, usages), except basic constraints: this issuer signs leaves only.
    foreach (var extension in csr.CertificateExtensions.Where(e => e.Oid?.Value != "2.5.29.19"))
        leafRequest.CertificateExtensions.Add(extension);
    leafRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
    leafRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
    var serial = RandomNumberGenerator.GetBytes(16);
    serial[0] &= 0x7f;
    var notBefore = DateTimeOffset.UtcNow.AddMinutes(-5);
    // Signed by the CA's ECDSA key whatever the leaf's key type (RSA by default).
    using var leaf = leafRequest.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), notBefore, notBefore.AddDays(90), serial);
    await WriteAsync(request, conditions, Ready("True", "Issued", $"Signed by external issuer {group}"), leaf.ExportCertificatePem());
    Console.WriteLine($"signed {ns}/{name}");
}

JsonObject Ready(string status, string reason, string message) => new()
{
    ["type"] = "Ready", ["status"] = status, ["reason"] = reason, ["message"] = message,
    ["lastTransitionTime"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
};

// The conditions go back whole under the version read, so the approver's write in between is a conflict, not lost.
async Task WriteAsync(JsonObject request, JsonArray conditions, JsonObject ready, string? certificatePem)
{
    var status = new JsonObject
    {
        ["conditions"] = new JsonArray([.. conditions.Where(c => c?["type"]?.GetValue<string>() != "Ready").Select(c => c!.DeepClone()), ready]),
    };
    if (certificatePem is not null)
    {
        status["certificate"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(certificatePem));
        status["ca"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(caPem));
    }
    else
    {
        status["failureTime"] = ready["lastTransitionTime"]!.DeepClone();
    }
    var patch = new JsonObject
    {
        ["metadata"] = new JsonObject { ["resourceVersion"] = request["metadata"]!["resourceVersion"]!.DeepClone() },
        ["status"] = status,
    };
    await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch),
        "cert-manager.io", "v1", request["metadata"]!["namespace"]!.GetValue<string>(), "certificaterequests",
        request["metadata"]!["name"]!.GetValue<string>());
}

string Argument(string name) =>
    args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? throw new ArgumentException($"{name} is required");
