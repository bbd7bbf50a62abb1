package org.apache.commons.collections.functors;

import java.io.Serializable;

/** A stand-in in the package of commons-collections' gadget chain: the filter refuses it by name. */
public final class StandInTransformer implements Serializable {
  private static final long serialVersionUID = 1L;
}
