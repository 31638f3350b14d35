using System.Reflection;
using CertFleet.Interfaces.Api;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Serialization.Cloning;

namespace CertFleet.Api.Tests;

public sealed class OrleansSerializationTests
{
    private static readonly IServiceProvider Services = new ServiceCollection().AddSerializer().BuildServiceProvider();

    public static TheoryData<Type> ResourceTypes =>
        new(typeof(Certificate), typeof(CertificateRequest), typeof(Issuer), typeof(ClusterIssuer), typeof(Order), typeof(Challenge));

    [Theory]
    [MemberData(nameof(ResourceTypes))]
    public void FullyPopulatedResourcesSurviveTheOrleansSerializer(Type recordType) =>
        typeof(OrleansSerializationTests).GetMethod(nameof(RoundTrip), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(recordType).Invoke(null, null);

    private static void RoundTrip<T>() where T : class
    {
        var original = SampleObjects.Populated<T>();
        var serializer = Services.GetRequiredService<Serializer>();
        var copier = Services.GetRequiredService<DeepCopier>();

        var deserialized = serializer.Deserialize<T>(serializer.SerializeToArray(original));
        var copy = copier.Copy(original);

        // Records holding lists compare lists by reference, so compare what Kubernetes would see.
        JsonRoundTrip.AssertSame(JsonRoundTrip.ToJson(original), JsonRoundTrip.ToJson(deserialized));
        JsonRoundTrip.AssertSame(JsonRoundTrip.ToJson(original), JsonRoundTrip.ToJson(copy));
    }

    [Fact]
    public void ACertificateReadFromJsonCrossesAGrainBoundary()
    {
        var serializer = Services.GetRequiredService<Serializer>();
        var certificate = System.Text.Json.JsonSerializer.Deserialize<Certificate>(
            """{"metadata":{"name":"c"},"spec":{"secretName":"s","issuerRef":{"name":"i"},"dnsNames":["a.example"]}}""",
            ApiJson.Options)!;
        var received = serializer.Deserialize<Certificate>(serializer.SerializeToArray(certificate));
        Assert.Equal(["a.example"], received!.Spec.DnsNames);
        Assert.Equal(certificate.Spec.IssuerRef, received.Spec.IssuerRef);
    }
}
