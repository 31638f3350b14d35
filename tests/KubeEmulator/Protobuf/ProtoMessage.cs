using System.Text;
using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Resources;

namespace CertFleet.KubeEmulator.Protobuf;

/// <summary>How one protobuf field maps to JSON.</summary>
internal enum ProtoFieldType
{
    String,
    Integer,
    Bool,
    Message,
    Time,
    StringMap,
    BytesMap,
}

/// <summary>One field of a message: its number, JSON name and type; repeated fields become JSON arrays.</summary>
internal sealed record ProtoField(int Number, string Name, ProtoFieldType Type, bool Repeated = false, ProtoMessage? Message = null);

/// <summary>A message layout from k8s.io/api's generated.proto, decoded into the JSON the same object has.</summary>
internal sealed class ProtoMessage(params ProtoField[] fields)
{
    private readonly Dictionary<int, ProtoField> _fields = fields.ToDictionary(f => f.Number);

    /// <summary>Decodes a message; fields not described are skipped.</summary>
    public JsonObject Decode(ReadOnlySpan<byte> data)
    {
        var obj = new JsonObject();
        var reader = new ProtoReader(data);
        while (!reader.AtEnd)
        {
            var (number, wireType) = reader.ReadTag();
            if (!_fields.TryGetValue(number, out var field))
            {
                reader.Skip(wireType);
                continue;
            }
            switch (field.Type)
            {
                case ProtoFieldType.StringMap or ProtoFieldType.BytesMap:
                    var (key, value) = DecodeMapEntry(reader.ReadLengthDelimited(), field.Type == ProtoFieldType.BytesMap);
                    var map = obj[field.Name] as JsonObject ?? [];
                    obj[field.Name] = map;
                    map[key] = value;
                    continue;
                case ProtoFieldType.Integer or ProtoFieldType.Bool:
                    Store(obj, field, field.Type == ProtoFieldType.Bool
                        ? JsonValue.Create(reader.ReadVarint() != 0)
                        : JsonValue.Create((long)reader.ReadVarint()));
                    continue;
                default:
                    Store(obj, field, DecodeDelimited(field, reader.ReadLengthDelimited()));
                    continue;
            }
        }
        return obj;
    }

    private static JsonNode? DecodeDelimited(ProtoField field, ReadOnlySpan<byte> payload) => field.Type switch
    {
        ProtoFieldType.String => JsonValue.Create(Encoding.UTF8.GetString(payload)),
        ProtoFieldType.Time => DecodeTime(payload),
        _ => field.Message!.Decode(payload),
    };

    private static void Store(JsonObject obj, ProtoField field, JsonNode? value)
    {
        if (!field.Repeated)
        {
            obj[field.Name] = value;
            return;
        }
        var list = obj[field.Name] as JsonArray ?? [];
        obj[field.Name] = list;
        list.Add(value);
    }

    private static (string Key, JsonNode? Value) DecodeMapEntry(ReadOnlySpan<byte> entry, bool bytesValue)
    {
        var reader = new ProtoReader(entry);
        var key = "";
        JsonNode? value = JsonValue.Create("");
        while (!reader.AtEnd)
        {
            var (number, wireType) = reader.ReadTag();
            switch (number)
            {
                case 1:
                    key = Encoding.UTF8.GetString(reader.ReadLengthDelimited());
                    break;
                case 2:
                    var payload = reader.ReadLengthDelimited();
                    value = JsonValue.Create(bytesValue ? Convert.ToBase64String(payload) : Encoding.UTF8.GetString(payload));
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }
        return (key, value);
    }

    /// <summary>metav1.Time: {seconds = 1, nanos = 2}.</summary>
    private static JsonNode DecodeTime(ReadOnlySpan<byte> payload)
    {
        var reader = new ProtoReader(payload);
        long seconds = 0;
        while (!reader.AtEnd)
        {
            var (number, wireType) = reader.ReadTag();
            if (number == 1)
            {
                seconds = (long)reader.ReadVarint();
            }
            else
            {
                reader.Skip(wireType);
            }
        }
        return JsonValue.Create(TimeField.FormatTime(DateTimeOffset.FromUnixTimeSeconds(seconds)));
    }
}
