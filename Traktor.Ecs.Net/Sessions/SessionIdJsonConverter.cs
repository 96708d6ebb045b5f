using System.Text.Json;
using System.Text.Json.Serialization;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>Writes a <see cref="SessionId"/> as its 32-hex-digit text; anything else is refused on read.</summary>
public sealed class SessionIdJsonConverter : JsonConverter<SessionId>
{
    /// <inheritdoc />
    public override SessionId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && SessionId.TryParse(reader.GetString(), out var id)
            ? id
            : throw new JsonException("A session id is 32 hexadecimal digits.");

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, SessionId value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
