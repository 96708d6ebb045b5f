using System.Text.Json;
using System.Text.Json.Serialization;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// Reads <see cref="SessionDeparture.Reason"/> tolerantly: a name or number this build does not know reads
/// <see cref="SessionLeaveReason.Removed"/>. The reason rides in every heartbeat answer of the fleet API, so a reason a newer
/// directory adds must not make an older game server fail the whole heartbeat (and lose its sessions); Removed is what a
/// directory from before reasons were recorded means too. Writes the name, as the string enums of the rest of the API.
/// A reason a caller sends (<c>POST /leave</c>) is read by <see cref="StrictSessionLeaveReasonJsonConverter"/> instead.
/// </summary>
internal sealed class SessionLeaveReasonJsonConverter : JsonConverter<SessionLeaveReason>
{
    public override SessionLeaveReason Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        TryRead(ref reader, out var reason) ? reason : SessionLeaveReason.Removed;

    public override void Write(Utf8JsonWriter writer, SessionLeaveReason value, JsonSerializerOptions options) => WriteReason(writer, value);

    /// <summary>
    /// Reads a reason this build knows: a name matched whole (any case) or the number of a defined member. False for any other
    /// name or number; throws for a value that is neither.
    /// </summary>
    internal static bool TryRead(ref Utf8JsonReader reader, out SessionLeaveReason reason)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                // Names only, matched whole: Enum.TryParse would also take "2", " Left" or "Left, TimedOut", which no writer sends.
                string? name = reader.GetString();
                foreach (var known in Enum.GetValues<SessionLeaveReason>())
                {
                    if (string.Equals(known.ToString(), name, StringComparison.OrdinalIgnoreCase))
                    {
                        reason = known;
                        return true;
                    }
                }

                reason = default;
                return false;
            case JsonTokenType.Number:
                bool defined = reader.TryGetInt32(out int number) && Enum.IsDefined((SessionLeaveReason)number);
                reason = defined ? (SessionLeaveReason)number : default;
                return defined;
            default:
                throw new JsonException("A session leave reason is a name or a number.");
        }
    }

    /// <summary>Writes the name of a defined reason, the number of any other (which a strict reader then refuses).</summary>
    internal static void WriteReason(Utf8JsonWriter writer, SessionLeaveReason value)
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
