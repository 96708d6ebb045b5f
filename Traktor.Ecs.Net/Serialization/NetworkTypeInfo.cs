
namespace Traktor.Ecs.Net.Serialization;

/// <summary>One entry of a generated schema: the type, its id and its attribute settings.</summary>
/// <param name="Id">Network type id, in order of full type name.</param>
/// <param name="FullName">The component's full type name.</param>
/// <param name="Kind">Component or RPC.</param>
/// <param name="ComponentType">The user's struct.</param>
/// <param name="SnapshotType">The generated snapshot struct.</param>
/// <param name="SerializerType">The generated serializer struct.</param>
/// <param name="Importance">From <see cref="ReplicatedAttribute.Importance"/> (1 for RPCs).</param>
/// <param name="SendRate">From <see cref="ReplicatedAttribute.SendRate"/> (0 for RPCs).</param>
/// <param name="Audience">From <see cref="ReplicatedAttribute.Audience"/>.</param>
/// <param name="Smoothing">From <see cref="ReplicatedAttribute.Smoothing"/>.</param>
/// <param name="Channel">From <see cref="RpcAttribute.Channel"/> (ReliableOrdered for components).</param>
public sealed record NetworkTypeInfo(
    ushort Id,
    string FullName,
    NetworkTypeKind Kind,
    Type ComponentType,
    Type SnapshotType,
    Type SerializerType,
    int Importance,
    int SendRate,
    Audience Audience,
    Smoothing Smoothing,
    Channel Channel);
