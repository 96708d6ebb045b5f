using System.Text.Json;
using System.Text.Json.Serialization;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// Reads <see cref="SessionDeparture.Reason"/> tolerantly: a name or number this build does not know reads
/// <see cref="SessionLeaveReason.Removed"/>. The reason rides in every heartbeat answer of the fleet API, so a reason a newer
/// directory adds must not make an older game server fail the whole heartbeat (and lose its sessions); Removed is what a
/// directory from before reasons were recorded means too. Writes the name, as the string enums of the rest of the API.
/// </summary>
internal sealed class SessionLeaveReasonJsonConverter : JsonConverter<SessionLeaveReason>
{
    public override SessionLeaveReason Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                // Names only, matched whole: Enum.TryParse would also take "2" or "Left, TimedOut", which no writer sends.
                string? name = reader.GetString();
                foreach (var known in Enum.GetValues<SessionLeaveReason>())
                {
                    if (string.Equals(known.ToString(), name, StringComparison.OrdinalIgnoreCase)) return known;
                }

                return SessionLeaveReason.Removed;
            case JsonTokenType.Number:
                return reader.TryGetInt32(out int number) && Enum.IsDefined((SessionLeaveReason)number)
                    ? (SessionLeaveReason)number
                    : SessionLeaveReason.Removed;
            default:
                throw new JsonException("A session leave reason is a name or a number.");
        }
    }

    public override void Write(Utf8JsonWriter writer, SessionLeaveReason value, JsonSerializerOptions options)
    {
        if (Enum.IsDefined(value))
        {
            writer.WriteStringValue(value.ToString());
        }
        else
        {
            writer.WriteNumberValue((int)value);
        }
    }
}
