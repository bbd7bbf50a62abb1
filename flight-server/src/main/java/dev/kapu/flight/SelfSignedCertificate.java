package dev.kapu.flight;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate and key made on the spot, for TLS when none is given. Valid for localhost, the
 * loopback addresses and this machine's name; daemons and clients must be told to trust it.
 *
 * @param certificate the PEM certificate (hand it to whoever connects)
 * @param privateKey the PEM (PKCS#8) private key, readable only by its owner
 */
public record SelfSignedCertificate(Path certificate, Path privateKey) {

  /** Writes {@code kapu.crt} and {@code kapu.key} into {@code directory}. */
  public static SelfSignedCertificate create(Path directory, String... extraHostNames) {
    try {
      Files.createDirectories(directory);
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      KeyPair keys = generator.generateKeyPair();

      List<GeneralName> names = new ArrayList<>();
      names.add(new GeneralName(GeneralName.dNSName, "localhost"));
      names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
      names.add(new GeneralName(GeneralName.iPAddress, "::1"));
      try {
        names.add(new GeneralName(GeneralName.dNSName, InetAddress.getLocalHost().getHostName()));
      } catch (IOException e) {
        // no resolvable host name: localhost and loopback still work
      }
      for (String host : extraHostNames) {
        boolean ip = host.matches("[0-9.]+") || host.contains(":");
        names.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, host));
      }

      Instant now = Instant.now();
      X500Name subject = new X500Name("CN=kapu");
      JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
          subject,
          new BigInteger(64, new SecureRandom()),
          Date.from(now.minus(Duration.ofHours(1))),
          Date.from(now.plus(Duration.ofDays(365))),
          subject,
          keys.getPublic());
      builder.addExtension(Extension.subjectAlternativeName, false,
          new GeneralNames(names.toArray(GeneralName[]::new)));
      X509CertificateHolder holder =
          builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));

      Path cert = directory.resolve("kapu.crt");
      Path key = directory.resolve("kapu.key");
      try (Writer w = Files.newBufferedWriter(cert); JcaPEMWriter pem = new JcaPEMWriter(w)) {
        pem.writeObject(holder);
      }
      Files.deleteIfExists(key);
      Files.createFile(key);
      restrictToOwner(key);
      try (Writer w = Files.newBufferedWriter(key); JcaPEMWriter pem = new JcaPEMWriter(w)) {
        pem.writeObject(new JcaPKCS8Generator(keys.getPrivate(), null));
      }
      return new SelfSignedCertificate(cert, key);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a self-signed certificate to " + directory, e);
    } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
      throw new IllegalStateException("cannot make a self-signed certificate", e);
    }
  }

  static void restrictToOwner(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system; its default permissions apply
    }
  }
}
