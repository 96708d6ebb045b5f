using System.Numerics;

namespace Traktor.Ecs.Net.Serialization;

/// <summary>
/// <see cref="Vector2"/>, <see cref="Vector3"/> and <see cref="Vector4"/> fields: components in
/// order X, Y, Z, W, each raw or through the same <see cref="FloatQuantizer"/> (same NaN/∞ policy).
/// </summary>
public static class VectorExtensions
{
    /// <summary>Writes X, Y quantized.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The vector.</param>
    /// <param name="quantizer">Range and width of each component.</param>
    public static void WriteVector2(this ref BitWriter writer, Vector2 value, in FloatQuantizer quantizer)
    {
        writer.WriteQuantized(value.X, quantizer);
        writer.WriteQuantized(value.Y, quantizer);
    }

    /// <summary>Reads a vector written by <see cref="WriteVector2(ref BitWriter, Vector2, in FloatQuantizer)"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="quantizer">The quantizer used to write.</param>
    /// <returns>The vector.</returns>
    public static Vector2 ReadVector2(this ref BitReader reader, in FloatQuantizer quantizer) =>
        new(reader.ReadQuantized(quantizer), reader.ReadQuantized(quantizer));

    /// <summary>Writes X, Y, Z quantized.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The vector.</param>
    /// <param name="quantizer">Range and width of each component.</param>
    public static void WriteVector3(this ref BitWriter writer, Vector3 value, in FloatQuantizer quantizer)
    {
        writer.WriteQuantized(value.X, quantizer);
        writer.WriteQuantized(value.Y, quantizer);
        writer.WriteQuantized(value.Z, quantizer);
    }

    /// <summary>Reads a vector written by <see cref="WriteVector3(ref BitWriter, Vector3, in FloatQuantizer)"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="quantizer">The quantizer used to write.</param>
    /// <returns>The vector.</returns>
    public static Vector3 ReadVector3(this ref BitReader reader, in FloatQuantizer quantizer) =>
        new(reader.ReadQuantized(quantizer), reader.ReadQuantized(quantizer), reader.ReadQuantized(quantizer));

    /// <summary>Writes X, Y, Z, W quantized.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The vector.</param>
    /// <param name="quantizer">Range and width of each component.</param>
    public static void WriteVector4(this ref BitWriter writer, Vector4 value, in FloatQuantizer quantizer)
    {
        writer.WriteQuantized(value.X, quantizer);
        writer.WriteQuantized(value.Y, quantizer);
        writer.WriteQuantized(value.Z, quantizer);
        writer.WriteQuantized(value.W, quantizer);
    }

    /// <summary>Reads a vector written by <see cref="WriteVector4(ref BitWriter, Vector4, in FloatQuantizer)"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="quantizer">The quantizer used to write.</param>
    /// <returns>The vector.</returns>
    public static Vector4 ReadVector4(this ref BitReader reader, in FloatQuantizer quantizer) =>
        new(reader.ReadQuantized(quantizer), reader.ReadQuantized(quantizer), reader.ReadQuantized(quantizer), reader.ReadQuantized(quantizer));

    /// <summary>Writes X, Y, Z raw (bit-exact).</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The vector.</param>
    public static void WriteVector3(this ref BitWriter writer, Vector3 value)
    {
        writer.WriteSingle(value.X);
        writer.WriteSingle(value.Y);
        writer.WriteSingle(value.Z);
    }

    /// <summary>Reads a vector written by <see cref="WriteVector3(ref BitWriter, Vector3)"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The vector.</returns>
    public static Vector3 ReadVector3(this ref BitReader reader) =>
        new(reader.ReadSingle(), reader.ReadSingle(), reader.ReadSingle());
}
