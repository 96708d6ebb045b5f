namespace Traktor.Ecs.Net.Generators;

/// <summary>The replicated field types the generator knows how to encode.</summary>
internal enum FieldKind
{
    Bool,
    Integer,
    Enum,
    NetworkId,
    Int64,
    Double,
    Float,
    Vector2,
    Vector3,
    Vector4,
    Quaternion,
    FixedString32,
    FixedString64,
}
