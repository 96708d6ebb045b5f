using System.Text.Json;
using System.Text.Json.Serialization;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Online;

/// <summary>Source-generated JSON contracts of the session directory and fleet routes (camelCase, enums as names).</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    UseStringEnumConverter = true,
    MaxDepth = 16,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(SessionOptions))]
[JsonSerializable(typeof(SessionInfo))]
[JsonSerializable(typeof(SessionPage))]
[JsonSerializable(typeof(SessionUserBody))]
[JsonSerializable(typeof(SessionLeaveBody))]
[JsonSerializable(typeof(QuickJoinBody))]
[JsonSerializable(typeof(SessionJoinBody))]
[JsonSerializable(typeof(SessionLeaveResult))]
[JsonSerializable(typeof(SessionEndResult))]
[JsonSerializable(typeof(PlayerHostedSessionBody))]
[JsonSerializable(typeof(PlayerHostGrantBody))]
[JsonSerializable(typeof(HostHeartbeatBody))]
[JsonSerializable(typeof(HostHeartbeatResult))]
[JsonSerializable(typeof(ReleaseHostResult))]
[JsonSerializable(typeof(ClaimHostBody))]
[JsonSerializable(typeof(GameServerRegistration))]
[JsonSerializable(typeof(GameServerLeaseBody))]
[JsonSerializable(typeof(GameServerHeartbeat))]
[JsonSerializable(typeof(FleetAssignments))]
[JsonSerializable(typeof(GameServerDeregisterResult))]
[JsonSerializable(typeof(GameServerList))]
public sealed partial class SessionJsonContext : JsonSerializerContext;
