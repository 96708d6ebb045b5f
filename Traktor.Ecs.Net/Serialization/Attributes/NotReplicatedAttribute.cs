
namespace Traktor.Ecs.Net;

/// <summary>Keeps a field local: it is not sent and dequantizing leaves it unchanged.</summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class NotReplicatedAttribute : Attribute
{
}
