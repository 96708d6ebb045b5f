using System.Text.Json;
using System.Text.Json.Serialization;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// Reads <see cref="Online.SessionLeaveBody.Reason"/> strictly: the body comes from a caller of <c>POST /leave</c>, so a reason
/// this backend does not know (misspelled, an undefined number, a number written as a string, a combination of names) fails
/// the read, which the backend answers 400 <c>malformed-body</c> without freeing the seat. The default string-enum reading
/// took <c>"2"</c>, <c>" Left"</c> and <c>"Left,Removed"</c>. Writes as <see cref="SessionLeaveReasonJsonConverter"/> does.
/// </summary>
internal sealed class StrictSessionLeaveReasonJsonConverter : JsonConverter<SessionLeaveReason>
{
    public override SessionLeaveReason Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        SessionLeaveReasonJsonConverter.TryRead(ref reader, out var reason)
            ? reason
            : throw new JsonException("Unknown session leave reason: Left, Removed or TimedOut.");

    public override void Write(Utf8JsonWriter writer, SessionLeaveReason value, JsonSerializerOptions options) =>
        SessionLeaveReasonJsonConverter.WriteReason(writer, value);
}
