using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Api;

namespace CertFleet.KubeEmulator.Protobuf;

/// <summary>
/// Request bodies in application/vnd.kubernetes.protobuf, which kubectl's typed commands send
/// (kubectl create namespace|secret|configmap|serviceaccount|token). The envelope is "k8s\0" and a runtime.Unknown carrying the
/// TypeMeta and the object's own encoding. The emulator answers in JSON, which those clients accept too.
/// </summary>
internal static class KubernetesProtobuf
{
    public const string MediaType = "application/vnd.kubernetes.protobuf";

    private static readonly byte[] Magic = [0x6b, 0x38, 0x73, 0x00];

    private static readonly ProtoMessage OwnerReference = new(
        new ProtoField(5, "apiVersion", ProtoFieldType.String),
        new ProtoField(1, "kind", ProtoFieldType.String),
        new ProtoField(3, "name", ProtoFieldType.String),
        new ProtoField(4, "uid", ProtoFieldType.String),
        new ProtoField(6, "controller", ProtoFieldType.Bool),
        new ProtoField(7, "blockOwnerDeletion", ProtoFieldType.Bool));

    private static readonly ProtoMessage ObjectMeta = new(
        new ProtoField(1, "name", ProtoFieldType.String),
        new ProtoField(2, "generateName", ProtoFieldType.String),
        new ProtoField(3, "namespace", ProtoFieldType.String),
        new ProtoField(5, "uid", ProtoFieldType.String),
        new ProtoField(6, "resourceVersion", ProtoFieldType.String),
        new ProtoField(7, "generation", ProtoFieldType.Integer),
        new ProtoField(8, "creationTimestamp", ProtoFieldType.Time),
        new ProtoField(11, "labels", ProtoFieldType.StringMap),
        new ProtoField(12, "annotations", ProtoFieldType.StringMap),
        new ProtoField(13, "ownerReferences", ProtoFieldType.Message, Repeated: true, Message: OwnerReference),
        new ProtoField(14, "finalizers", ProtoFieldType.String, Repeated: true));

    private static readonly ProtoMessage DeleteOptions = new(
        new ProtoField(1, "gracePeriodSeconds", ProtoFieldType.Integer),
        new ProtoField(2, "preconditions", ProtoFieldType.Message, Message: new ProtoMessage(
            new ProtoField(1, "uid", ProtoFieldType.String),
            new ProtoField(2, "resourceVersion", ProtoFieldType.String))),
        new ProtoField(3, "orphanDependents", ProtoFieldType.Bool),
        new ProtoField(4, "propagationPolicy", ProtoFieldType.String),
        new ProtoField(5, "dryRun", ProtoFieldType.String, Repeated: true));

    private static readonly Dictionary<string, ProtoMessage> Kinds = new(StringComparer.Ordinal)
    {
        ["v1/Namespace"] = new ProtoMessage(
            new ProtoField(1, "metadata", ProtoFieldType.Message, Message: ObjectMeta),
            new ProtoField(2, "spec", ProtoFieldType.Message, Message: new ProtoMessage(
                new ProtoField(1, "finalizers", ProtoFieldType.String, Repeated: true)))),
        ["v1/Secret"] = new ProtoMessage(
            new ProtoField(1, "metadata", ProtoFieldType.Message, Message: ObjectMeta),
            new ProtoField(2, "data", ProtoFieldType.BytesMap),
            new ProtoField(3, "type", ProtoFieldType.String),
            new ProtoField(4, "stringData", ProtoFieldType.StringMap),
            new ProtoField(5, "immutable", ProtoFieldType.Bool)),
        ["v1/ConfigMap"] = new ProtoMessage(
            new ProtoField(1, "metadata", ProtoFieldType.Message, Message: ObjectMeta),
            new ProtoField(2, "data", ProtoFieldType.StringMap),
            new ProtoField(3, "binaryData", ProtoFieldType.BytesMap),
            new ProtoField(4, "immutable", ProtoFieldType.Bool)),
        // kubectl create serviceaccount
        ["v1/ServiceAccount"] = new ProtoMessage(
            new ProtoField(1, "metadata", ProtoFieldType.Message, Message: ObjectMeta),
            new ProtoField(2, "secrets", ProtoFieldType.Message, Repeated: true, Message: new ProtoMessage(
                new ProtoField(1, "kind", ProtoFieldType.String),
                new ProtoField(2, "namespace", ProtoFieldType.String),
                new ProtoField(3, "name", ProtoFieldType.String),
                new ProtoField(4, "uid", ProtoFieldType.String),
                new ProtoField(5, "apiVersion", ProtoFieldType.String),
                new ProtoField(6, "resourceVersion", ProtoFieldType.String),
                new ProtoField(7, "fieldPath", ProtoFieldType.String))),
            new ProtoField(3, "imagePullSecrets", ProtoFieldType.Message, Repeated: true, Message: new ProtoMessage(
                new ProtoField(1, "name", ProtoFieldType.String))),
            new ProtoField(4, "automountServiceAccountToken", ProtoFieldType.Bool)),
        // The body of a DELETE from client-go's typed clients (helm uninstall deleting its release Secrets).
        ["v1/DeleteOptions"] = DeleteOptions,
        ["meta.k8s.io/v1/DeleteOptions"] = DeleteOptions,
        // kubectl create token
        ["authentication.k8s.io/v1/TokenRequest"] = new ProtoMessage(
            new ProtoField(1, "metadata", ProtoFieldType.Message, Message: ObjectMeta),
            new ProtoField(2, "spec", ProtoFieldType.Message, Message: new ProtoMessage(
                new ProtoField(1, "audiences", ProtoFieldType.String, Repeated: true),
                new ProtoField(3, "boundObjectRef", ProtoFieldType.Message, Message: new ProtoMessage(
                    new ProtoField(1, "kind", ProtoFieldType.String),
                    new ProtoField(2, "apiVersion", ProtoFieldType.String),
                    new ProtoField(3, "name", ProtoFieldType.String),
                    new ProtoField(4, "uid", ProtoFieldType.String))),
                new ProtoField(4, "expirationSeconds", ProtoFieldType.Integer)))),
    };

    private static readonly ProtoMessage TypeMeta = new(
        new ProtoField(1, "apiVersion", ProtoFieldType.String),
        new ProtoField(2, "kind", ProtoFieldType.String));

    /// <exception cref="ApiError">415 for kinds the emulator cannot read as protobuf, 400 for a malformed body.</exception>
    public static JsonObject Decode(ReadOnlySpan<byte> body)
    {
        if (!body.StartsWith(Magic))
        {
            throw ApiError.BadRequest("provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]");
        }
        try
        {
            var reader = new ProtoReader(body[Magic.Length..]);
            JsonObject typeMeta = [];
            ReadOnlySpan<byte> raw = default;
            while (!reader.AtEnd)
            {
                var (number, wireType) = reader.ReadTag();
                switch (number)
                {
                    case 1:
                        typeMeta = TypeMeta.Decode(reader.ReadLengthDelimited());
                        break;
                    case 2:
                        raw = reader.ReadLengthDelimited();
                        break;
                    default:
                        reader.Skip(wireType);
                        break;
                }
            }
            var apiVersion = typeMeta["apiVersion"]?.GetValue<string>() ?? "";
            var kind = typeMeta["kind"]?.GetValue<string>() ?? "";
            if (!Kinds.TryGetValue($"{apiVersion}/{kind}", out var message))
            {
                throw ApiError.UnsupportedMediaType(MediaType, ["application/json", "application/yaml"]);
            }
            var obj = message.Decode(raw);
            var result = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind };
            foreach (var (key, value) in obj.ToList())
            {
                obj.Remove(key);
                result[key] = value;
            }
            return result;
        }
        catch (FormatException e)
        {
            throw ApiError.BadRequest(e.Message);
        }
    }
}
