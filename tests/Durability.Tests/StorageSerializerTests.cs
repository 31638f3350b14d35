using System.Reflection;
using CertFleet.Grains;
using CertFleet.Grains.Tests;
using CertFleet.Silo;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Persistence;
using Orleans.Serialization;
using Orleans.Storage;

namespace CertFleet.Durability.Tests;

/// <summary>
/// Grain state is stored as plain System.Text.Json, by both storages, and every state type of every grain comes back
/// from it as it was written, down to every nested API record.
/// </summary>
public sealed class StorageSerializerTests : IDisposable
{
    private readonly IHost _host = TestSilo.Build(new CertFleetOptions(), new FakeCluster());

    /// <summary>Every [PersistentState] of every grain class: (state name, storage name, state type).</summary>
    public static IReadOnlyList<(string StateName, string StorageName, Type StateType)> PersistentStates { get; } =
        typeof(IssuerGrain).Assembly.GetTypes()
            .SelectMany(t => t.GetConstructors())
            .SelectMany(c => c.GetParameters())
            .Where(p => p.GetCustomAttribute<PersistentStateAttribute>() is not null)
            .Select(p => (p.GetCustomAttribute<PersistentStateAttribute>()!.StateName,
                p.GetCustomAttribute<PersistentStateAttribute>()!.StorageName ?? "",
                p.ParameterType.GetGenericArguments().Single()))
            .ToList();

    public static TheoryData<string> StateNames => [.. PersistentStates.Select(s => s.StateName)];

    [Fact]
    public void EveryPersistentState_UsesTheCertfleetStorage_UnderAStateNameOfItsOwn()
    {
        Assert.True(PersistentStates.Count >= 8, $"found only {PersistentStates.Count} [PersistentState] parameters");
        Assert.All(PersistentStates, s => Assert.Equal(SiloStorage.GrainStorage, s.StorageName));
        // Redis keys end in the state name, so two grain types sharing one would read each other's state.
        Assert.Equal(PersistentStates.Count, PersistentStates.Select(s => s.StateName).Distinct().Count());
    }

    [Theory]
    [InlineData("memory")]
    [InlineData("redis")]
    public void BothStorages_WriteWithTheSystemTextJsonSerializer(string storage)
    {
        var settings = new CertFleetOptions { Storage = storage, Redis = { ConnectionString = "127.0.0.1:1" } };
        using var host = TestSilo.Build(settings, new FakeCluster());
        IStorageProviderSerializerOptions options = storage == "memory"
            ? host.Services.GetRequiredService<IOptionsMonitor<MemoryGrainStorageOptions>>().Get(SiloStorage.GrainStorage)
            : host.Services.GetRequiredService<IOptionsMonitor<RedisStorageOptions>>().Get(SiloStorage.GrainStorage);
        Assert.IsType<SystemTextJsonGrainStorageSerializer>(options.GrainStorageSerializer);
    }

    [Theory]
    [MemberData(nameof(StateNames))]
    public void State_RoundTripsThroughTheStorageSerializer(string stateName)
    {
        var type = PersistentStates.Single(s => s.StateName == stateName).StateType;
        var storageSerializer = _host.Services.GetRequiredService<IGrainStorageSerializer>();
        var wire = _host.Services.GetRequiredService<Serializer>();
        var original = Samples.Populated(type);

        var written = Write(storageSerializer, type, original);
        var readBack = Read(storageSerializer, type, written);

        Assert.DoesNotContain("$type", written.ToString(), StringComparison.Ordinal);
        Assert.Equal(written.ToString(), Write(storageSerializer, type, readBack).ToString());
        var difference = FirstDifference(wire, original, readBack, type.Name);
        Assert.True(difference is null, $"{difference} came back different");
    }

    public void Dispose() => _host.Dispose();

    /// <summary>
    /// The path of the first member that differs, comparing public properties and collection items (not comparers:
    /// a map read through QuantityMapConverter is ordinal, as the default string comparer is), and leaves by their
    /// wire encoding, which also tells a DateTimeOffset's offset apart.
    /// </summary>
    private static string? FirstDifference(Serializer wire, object? expected, object? actual, string path)
    {
        if (expected is null || actual is null || expected is string || expected.GetType().IsValueType)
            return wire.SerializeToArray(expected).AsSpan().SequenceEqual(wire.SerializeToArray(actual)) ? null : path;
        if (expected.GetType() != actual.GetType())
            return $"{path} ({expected.GetType().Name} became {actual.GetType().Name})";
        if (expected is System.Collections.IEnumerable items && actual is System.Collections.IEnumerable others)
        {
            var (left, right) = (items.Cast<object?>().ToList(), others.Cast<object?>().ToList());
            return left.Count != right.Count
                ? $"{path} ({left.Count} items became {right.Count})"
                : left.Zip(right).Select((pair, i) => FirstDifference(wire, pair.First, pair.Second, $"{path}[{i}]")).FirstOrDefault(d => d is not null);
        }
        return expected.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0)
            .Select(p => FirstDifference(wire, p.GetValue(expected), p.GetValue(actual), $"{path}.{p.Name}"))
            .FirstOrDefault(d => d is not null);
    }

    private static BinaryData Write(IGrainStorageSerializer serializer, Type type, object value) =>
        (BinaryData)typeof(IGrainStorageSerializer).GetMethod(nameof(IGrainStorageSerializer.Serialize))!
            .MakeGenericMethod(type).Invoke(serializer, [value])!;

    private static object Read(IGrainStorageSerializer serializer, Type type, BinaryData data) =>
        typeof(IGrainStorageSerializer).GetMethod(nameof(IGrainStorageSerializer.Deserialize))!
            .MakeGenericMethod(type).Invoke(serializer, [data])!;
}
