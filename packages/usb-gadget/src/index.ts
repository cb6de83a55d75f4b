/**
 * `@kspec/usb-gadget`: the Linux g_ether composite gadget (drivers/usb/gadget/ether.c,
 * "Memorial Day 2008", ~2.6.31) as a checked XState statechart: the module's bind step by
 * step with every failure path, the ECM / CDC Subset (SAFE) / RNDIS choice per controller and
 * build, byte-exact descriptors, host enumeration through the composite core, the link, a
 * facade and a Linux-like host, exports to configfs, `lsusb -v` and usbmon pcap, named
 * invariants, check models and the defects they find.
 *
 * @packageDocumentation
 */
export * from './constants.js';
export {
  CONTROLLERS,
  CONTROLLER_NUMBERS,
  usbGadgetControllerNumber,
  gadgetIsPxa,
  gadgetIsPxa27x,
  gadgetIsSh,
  gadgetIsSa1100,
  gadgetIsMusbhdrc,
  gadgetIsNet2280,
  gadgetSupportsAltsettings,
  canSupportEcm,
  canSupportRndis,
} from './controllers.js';
export type { Controller, UdcEndpoint, ControllerPreset } from './controllers.js';
export type { Status } from './model/composite-bind.js';
export type { SetupResult } from './model/composite-setup.js';
export {
  DESCRIPTOR_SIZE,
  encodeDescriptor,
  encodeDeviceDescriptor,
  usbDescriptorFillbuf,
  utf16le,
  stringDescriptor,
  languageTable,
  walkDescriptors,
  bcdText,
  hexBytes,
} from './descriptors.js';
export type {
  Descriptor,
  DeviceDescriptor,
  InterfaceDescriptor,
  EndpointDescriptor,
  OtgDescriptor,
  CdcHeaderDescriptor,
  CdcUnionDescriptor,
  CdcEtherDescriptor,
  CdcCallMgmtDescriptor,
  CdcAcmDescriptor,
  CdcMdlmDescriptor,
  CdcMdlmDetailDescriptor,
} from './descriptors.js';
export {
  FAULT_OPS,
  DEFAULT_FAULT_ERRNO,
  createGadgetEnv,
  armFault,
  callEnv,
  mulberry32,
  randomEtherAddr,
  virtualClock,
  systemClock,
} from './ports.js';
export type { CallOutcome, ClockPort } from './ports.js';
export type {
  BuildConfig,
  ModuleParams,
  Utsname,
  ConfigKey,
  ConfigDriver,
  EpState,
  UdcState,
  GetherPort,
  EcmNotifyState,
  EcmFunction,
  GethFunction,
  RndisFunction,
  GadgetFunction,
  RndisParams,
  FunctionStatics,
  EtherStatics,
  CompositeDev,
  EthDev,
  BusState,
  HostReply,
  FaultOp,
  ArmedFault,
  GadgetEnv,
  GadgetGhost,
  GadgetContext,
} from './model/types.js';
export type { GadgetEvent, GadgetEventType, SetupPacket } from './model/events.js';
export { createGadgetContext, DEFAULT_BUILD, DEFAULT_PARAMS, DEFAULT_UTS } from './model/context.js';
export type { GadgetContextOptions } from './model/context.js';
export { freshStatics, freshUdc } from './model/statics.js';
export { loadModule, ethBindChain, freshBind } from './model/bind.js';
export type { LoadOutcome } from './model/bind.js';
export {
  hasRndis,
  rndisDoConfig,
  ethDoConfig,
  ethBindSetupLink,
  ethBindChooseLink,
  ethBindRndisIds,
  ethBindControllerNumber,
  ethBindManufacturer,
  ethBindManufacturerId,
  ethBindProductId,
  ethBindAddRndisConfig,
  ethBindAddEthConfig,
  ethBindAnnounce,
  ethBindFail,
  ethUnbind,
  ethDriverUnbind,
  moduleInit,
  moduleCleanup,
} from './model/ether.js';
export {
  busReset,
  busDisconnect,
  busSuspend,
  udcSetAddress,
  controlTransfer,
  replyOf,
  interruptIn,
  bulkIn,
  bulkOut,
  netXmit,
} from './model/bus.js';
export {
  configBuf,
  configDesc,
  countConfigs,
  deviceQual,
  getString,
  setConfig,
  compositeSetup,
  OTG_DESCRIPTOR,
} from './model/composite-setup.js';
export { usbStringId, usbAddConfig, usbAddFunction, usbInterfaceId } from './model/composite-bind.js';
export { usbEpAutoconfig, usbEpAutoconfigReset, epMatches } from './model/epautoconf.js';
export type { EpTemplate, EpMatch } from './model/epautoconf.js';
export {
  getherSetup,
  getherCleanup,
  getherConnect,
  getherDisconnect,
  getEtherAddr,
  ethStartXmit,
  qlen,
} from './model/u-ether.js';
export type { XmitOutcome, LinkHooks } from './model/u-ether.js';
export { ecmFunctionDescriptors, ecmBindConfig, ecmSetAlt, ecmGetAlt } from './model/f-ecm.js';
export type { CtrlRequest } from './model/f-ecm.js';
export { gethFunctionDescriptors, gethBindConfig, SAFE_GUID } from './model/f-subset.js';
export { rndisFunctionDescriptors, rndisBindConfig, rndisMsgParser } from './model/f-rndis.js';
export {
  initCmplt,
  queryCmplt,
  setCmplt,
  resetCmplt,
  keepaliveCmplt,
  indicateStatus,
  initializeMsg,
  queryMsg,
  setMsg,
  simpleMsg,
  rndisAddHdr,
  rndisRmHdr,
  rdU32,
  RESPONSE_AVAILABLE,
  RNDIS_VERSION,
} from './model/rndis-msg.js';
export { gadgetMachine } from './machine/machine.js';
export { gadgetSetup } from './machine/setup.js';
export type { GadgetInput } from './machine/setup.js';
export { REQ, describeSetup } from './requests.js';
export { GadgetModule, GadgetOopsError, descriptorSet } from './device.js';
export type { LinkEvent, DescriptorSet, GadgetActor } from './device.js';
export { UsbHost, chooseConfiguration } from './host.js';
export type { UrbEvent, Enumeration, UsbHostOptions } from './host.js';
export { parseDevice, parseConfig, parseString, parseLanguages, interfaceEndpoints } from './export/parse.js';
export type { ParsedDevice, ParsedConfig, ParsedItem } from './export/parse.js';
export { lsusbVerbose } from './export/lsusb.js';
export { configfsScript } from './export/configfs.js';
export type { ConfigfsOptions } from './export/configfs.js';
export { usbmonPacket, usbmonPcap, LINKTYPE_USB_LINUX_MMAPPED } from './export/usbmon.js';
export {
  U8,
  U16,
  Bytes,
  UdcEndpointCodec,
  ControllerCodec,
  BuildCodec,
  ParamsCodec,
  UtsCodec,
  GadgetOptionsCodec,
  SetupPacketCodec,
  FrameCodec,
  BulkCodec,
  FaultCodec,
  GadgetDecodeError,
  decodeOrThrow,
} from './codecs.js';
export { GADGET_INVARIANTS, topState, isBound, configImages } from './invariants.js';
export type { GadgetSnapshot } from './invariants.js';
export { GADGET_FINDINGS } from './findings.js';
export { SCOPE_PARAMS, scopeContext, scopeAlphabet, projectGadgetContext } from './scope.js';
export type { GadgetScope } from './scope.js';
export { GADGET_MODELS, GADGET_SCOPES, ECM_ENUMERATION_PASSES, UNKNOWN_CONTROLLER } from './check.js';
export type { GadgetCheckModel, GadgetScopeName } from './check.js';
export { manifest, PINNED_CASES, boundCase } from './manifest.js';
