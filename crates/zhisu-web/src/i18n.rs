//! Page text in Chinese (the default) and English. Field names follow the
//! standards' Chinese terms.

use std::collections::BTreeMap;

/// (key, zh-CN, en)
const TEXT: &[(&str, &str, &str)] = &[
    ("app_name", "质溯 · 重点工业产品质量安全追溯平台", "zhisu · Quality-safety traceability of important industrial products"),
    ("app_short", "质溯", "zhisu"),
    ("code_life", "追溯码全生命周期", "A code's life cycle"),
    ("supply", "生产与流通", "Production and circulation"),
    ("supply_note", "按产品统计：在用批次与赋码数量、出厂销售、平台内企业间流转（每一环节计一次）、售至平台外的数量、预警与召回；以及货物送达的省份。数据实时计算。", "Per product: active batches and their items, sold by the producer, deliveries between enterprises on the platform (each hop counts), sold off the platform, alerts and recalls; and the provinces the goods reached. Computed live."),
    ("supply_seller_note", "本企业购销过的产品：生产企业发往本企业的数量、平台内流转、售至平台外的数量与召回。", "The products your enterprise bought or sold: what the producer shipped to you, moves on the platform, sales off it, and recalls."),
    ("supply_active_batches", "在用批次", "Active batches"),
    ("supply_items", "数量", "Items"),
    ("supply_shipped", "出厂销售", "Shipped by the producer"),
    ("supply_moved", "平台内流转", "Moved on the platform"),
    ("supply_off_platform", "售至平台外", "Sold off the platform"),
    ("supply_regions", "货物送达省份", "Where the goods were delivered"),
    ("supply_province", "省份", "Province"),
    ("supply_truncated", "记录较多，仅统计最新的 5000 条产品、批次与召回和最新的 1000 条预警。", "Many records: the newest 5,000 products, batches and recalls and the newest 1,000 alerts are counted."),
    ("look_up", "查询", "Look up"),
    ("risks", "风险提示", "Risk warnings"),
    ("life_product", "产品", "Product"),
    ("life_batch", "批次", "Batch"),
    ("life_producer", "生产企业", "Producer"),
    ("life_scans", "扫码次数", "Scans"),
    ("life_first_scan", "首次扫码", "first scanned"),
    ("life_step", "环节", "Step"),
    ("life_not_found", "没有这个追溯码，或无权查看 (no such code, or not yours to see)", "No such code, or not yours to see"),
    ("life_product-filed", "产品备案", "Product filed"),
    ("life_batch-filed", "批次备案", "Batch filed"),
    ("life_submitted", "提交审核", "Submitted"),
    ("life_approved", "审核通过", "Approved"),
    ("life_rejected", "驳回", "Rejected"),
    ("life_activated", "激活赋码", "Activated"),
    ("life_frozen", "冻结", "Frozen"),
    ("life_unfrozen", "解冻", "Unfrozen"),
    ("life_voided", "作废", "Voided"),
    ("life_packed", "装箱", "Packed"),
    ("life_sold", "销售", "Sold"),
    ("life_purchased", "进货", "Bought"),
    ("life_returned", "退回", "Returned"),
    ("life_first-scan", "扫码", "Scanned"),
    ("life_alert", "预警", "Alert"),
    ("life_recalled", "召回", "Recalled"),
    ("freeze", "冻结", "Freeze"),
    ("unfreeze", "解冻", "Unfreeze"),
    ("void", "作废", "Void"),
    ("disposal", "处置", "Disposal"),
    ("open_recall", "发起召回", "Open a recall"),
    ("flows", "购销记录", "Sales & purchases"),
    ("recalls", "召回", "Recalls"),
    ("alerts", "预警", "Alerts"),
    ("v_sale", "销售", "Sale"),
    ("v_purchase", "进货", "Purchase"),
    ("v_open", "进行中", "Open"),
    ("v_closed", "已结束", "Closed"),
    ("v_frozen", "已冻结", "Frozen"),
    ("v_voided", "已作废", "Voided"),
    ("v_too-many-scans", "扫码次数异常", "Scanned too often"),
    ("v_impossible-travel", "异地同时扫码", "Impossible travel"),
    ("v_diversion", "窜货", "Diversion"),
    ("v_return", "退回生产企业", "Return to the producer"),
    ("recall_notices", "召回通知", "Recall notices"),
    ("recall_notice_holding", "应持有（待退回）数量：", "Should still hold (to return):"),
    ("recall_notice_todo", "请立即停止销售，清点在库商品，并在「购销记录」中记录为「退回生产企业」。", "Stop selling at once, count the goods in stock, and record them as a return to the producer under sales and purchases."),
    ("recall_figures_note", "通知与退回数量由平台按购销与退回记录自动统计。", "Holders told and items returned are counted from the flow and return records."),
    ("v_guessing", "仿冒序列号", "Made-up serials"),
    ("at", "时间", "When"),
    ("counterparty_id", "平台上的交易方", "Counterparty on the platform"),
    ("counterparty_name", "交易方名称", "Counterparty"),
    ("counterparty_address", "交易方地址", "Counterparty address"),
    ("counterparty_contact", "交易方联系方式", "Counterparty contact"),
    ("lines", "追溯码", "Codes"),
    ("matched", "与上游销售相符", "Matches upstream sales"),
    ("unmatched", "未匹配的码", "Unmatched codes"),
    ("batch_ids", "召回批次", "Recalled batches"),
    ("opened_by", "发起人", "Opened by"),
    ("notified", "已通知", "Notified"),
    ("returned", "已召回数量", "Returned"),
    ("closed_at", "结束时间", "Closed"),
    ("new_flow", "记录购销", "Record a sale or purchase"),
    ("codes_one_per_line", "追溯码，每行一个（可在码后加空格和数量）", "Codes, one per line (a space and a quantity may follow)"),
    ("trace", "流向追踪", "Where the goods went"),
    ("download_xlsx", "导出 XLSX", "Export XLSX"),
    ("level", "层级", "Level"),
    ("holder", "持有者", "Holder"),
    ("received", "收货", "Received"),
    ("sold", "售出", "Sold"),
    ("holding", "应持有", "Should hold"),
    ("save_progress", "更新进度", "Update progress"),
    ("close_recall", "结束召回", "Close the recall"),
    ("produced_from", "生产日期自", "Produced from"),
    ("produced_to", "生产日期至", "Produced to"),
    ("preview_scan", "查看扫码页", "Open the scan page"),
    ("feedback", "反馈", "Feedback"),
    ("change-requests", "变更申请", "Change requests"),
    ("change_request", "变更申请", "Change request"),
    ("request_change", "申请变更", "Request a change"),
    ("requested_by", "申请人", "Requested by"),
    ("decided_by", "审核人", "Decided by"),
    ("decided_at", "审核时间", "Decided"),
    ("decision_note", "审核意见", "Decision note"),
    ("cr_field", "字段", "Field"),
    ("cr_before", "原值", "Before"),
    ("cr_after", "新值", "After"),
    ("amended", "已批准的变更", "Approved changes"),
    ("pending_change", "待审核的变更申请", "Pending change request"),
    ("cr_approved_on", "经监管部门批准变更", "changed with the regulator's approval"),
    ("cr_form_note", "本产品已发码。下列信息显示在每个追溯码的扫码页上，修改须说明理由，经产品所在地区的监管部门批准后生效，扫码页将注明变更的字段和时间。其他信息可直接在“编辑”中修改。", "Codes of this product are issued. These fields are shown on every code's scan page: a change needs a reason and takes effect once a regulator of the product's region approves it; the scan page then says which fields changed and when. Other fields are edited directly."),
    ("cr_reason", "变更理由", "Reason for the change"),
    ("shown_guarded", "已发码：此项显示在扫码页上，修改须提交变更申请", "Codes are issued: shown on the scan page, this changes only through a change request"),
    ("changed_notice", "以下信息在备案后有变更：", "Changed since filing:"),
    ("inputs", "原料来源（反向追溯）", "Made from (backward trace)"),
    ("supplier", "供应商", "Supplier"),
    ("lot", "批号", "Lot"),
    ("producer", "上游生产企业", "Upstream producer"),
    ("report_problem", "报告问题", "Report a problem"),
    ("feedback_sent", "已发送给生产企业，谢谢！", "Sent to the producer. Thank you!"),
    ("message", "内容", "Message"),
    ("contact", "联系方式（选填，仅生产企业和监管部门可见）", "Contact (optional; only the producer and the regulator see it)"),
    ("answer", "答复", "Answer"),
    ("answered_at", "答复时间", "Answered"),
    ("from", "来自", "From"),
    ("v_answered", "已答复", "Answered"),
    ("v_consumer", "消费者", "Consumer"),
    ("send", "发送", "Send"),
    ("close_feedback", "答复并关闭", "Answer and close"),
    ("s_genuine", "正品 · 验证通过", "Genuine"),
    ("s_copied", "码有效但疑似被复制", "A valid code, but probably copied"),
    ("s_unverified", "码有效 · 生产企业尚未核验", "A valid code, but its producer is not yet verified"),
    ("s_suspect", "疑似假冒 · 此码从未签发", "Suspected counterfeit: never issued"),
    ("s_unknown", "未在本平台找到此码", "Code not found"),
    ("s_not-active", "此码尚未生效", "Code not active"),
    ("s_frozen", "此码已冻结", "Code frozen"),
    ("s_voided", "此码已作废", "Code voided"),
    ("s_invalid", "无效的码", "Not a valid code"),
    ("s_recalled", "此产品已召回", "Recalled"),
    ("s_serial", "序号", "Serial"),
    ("s_trace_code", "追溯码", "Trace code"),
    ("s_producer", "生产单位", "Producer"),
    ("s_seller", "销售单位", "Seller"),
    ("s_package_items", "包装内的码", "Codes inside"),
    ("s_scan_count", "扫码次数", "Times scanned"),
    ("s_first_scan", "首次扫码", "First scanned"),
    ("s_checkpoint", "账本检查点", "Ledger checkpoint"),
    ("tagline", "生产企业备案产品与批次，销售企业记录流向，监管部门核查处置，公众扫码验真。", "Manufacturers file products and batches, sellers record flows, regulators verify, and the public scans to check."),
    ("home", "首页", "Home"),
    ("dashboard", "工作台", "Dashboard"),
    ("enterprises", "企业", "Enterprises"),
    ("products", "产品", "Products"),
    ("batches", "批次", "Batches"),
    ("api_keys", "API密钥", "API keys"),
    ("users", "账号", "Accounts"),
    ("packages", "包装与组合", "Packages"),
    ("channels_title", "销售渠道（防窜货）", "Sales channels (anti-diversion)"),
    ("channels_note", "为每个经销商指定可销售的区域；货物出现在其区域之外时，平台向本企业及监管部门发出窜货预警。", "Give each distributor the regions it may sell in; goods turning up outside them raise a diversion alert for you and your regulators."),
    ("channel_distributor", "经销商", "Distributor"),
    ("channel_regions", "销售区域", "Regions"),
    ("channel_regions_hint", "区域填行政区划代码，多个用空格或逗号分隔，如 440000（广东省）、330100（杭州市）。清空一行即删除该渠道。", "Regions are GB/T 2260 codes separated by spaces or commas, e.g. 440000 (Guangdong), 330100 (Hangzhou). Clear a row to remove it."),
    ("new_package", "装箱 / 组合多码", "Pack codes"),
    ("new_package_note", "把本企业已激活的单品码装入物流包装（SSCC），或组合到一个父码下（组合多码，如成套产品、电缆盘）。每个码只能装入一个包装。", "Pack active item codes of your products into a transport package (SSCC), or group them under a parent code (a set, a cable reel). A code is packed once."),
    ("package_kind", "包装方式", "How"),
    ("flow_kind", "购销类型", "Kind"),
    ("alert_kind", "预警类型", "Kind"),
    ("flow_lines", "追溯码明细", "Codes"),
    ("package_kind_sscc", "物流包装（SSCC）", "Transport package (SSCC)"),
    ("package_kind_bundle", "组合多码（父码）", "Bundle under a parent code"),
    ("sscc_hint", "18 位数字，含校验位", "18 digits with the check digit"),
    ("parent_code_hint", "父码：数字链接网址或 (01)…(21)… 键", "The parent: a Digital Link URI or a (01)…(21)… key"),
    ("children_hint", "每行一个码，可直接扫码枪录入；网址、(01)…(21)… 键或 GS1 元素串均可", "One code a line, straight from a scanner: a URI, a (01)…(21)… key or a GS1 element string"),
    ("pack", "装箱", "Pack"),
    ("key", "码", "Code"),
    ("sscc", "物流包装码 SSCC", "SSCC"),
    ("parent_code", "父码", "Parent code"),
    ("children", "包含的码", "Codes inside"),
    ("submit_batch", "提交审核", "Submit for review"),
    ("approve", "审核通过", "Approve"),
    ("reject", "驳回", "Reject"),
    ("reason", "理由", "Reason"),
    ("activate", "激活并生成追溯码", "Activate and issue codes"),
    ("download_txt", "下载追溯码 TXT（喷码机）", "Download codes, TXT (inkjet coders)"),
    ("download_csv", "下载追溯码 CSV（MES）", "Download codes, CSV (MES)"),
    ("review_queue", "待审核批次", "Batches awaiting review"),
    ("download_zpl", "ZPL 标签打印机", "ZPL (label printers)"),
    ("labels_pdf", "打印标签（A4 PDF / ZPL）", "Print labels (A4 PDF / ZPL)"),
    ("labels_title", "打印标签", "Print labels"),
    ("labels_back", "返回批次", "Back to the batch"),
    ("qr_title", "下载单个二维码", "One code's QR symbol"),
    ("qr_number", "标签序号", "Label number"),
    ("qr_number_needed", "请填写“标签序号”", "Enter the label number"),
    ("qr_download", "下载二维码", "Download the QR symbol"),
    ("labels_count", "共", "codes:"),
    ("labels_from", "起始标签序号", "First label"),
    ("labels_to", "结束标签序号", "Last label"),
    ("labels_format", "格式", "Format"),
    ("labels_format_pdf", "A4 标签纸 PDF", "A4 sheets (PDF)"),
    ("labels_format_zpl", "ZPL 标签打印机", "ZPL label printer"),
    ("labels_print", "生成并下载", "Make and download"),
    ("labels_ranges", "按段打印整批", "The whole batch, range by range"),
    ("labels_ranges_note", "每段最多 2400 个标签；逐段点击即可打印整批。", "At most 2400 labels a range: click each in turn to print the whole batch."),
    ("labels_range", "标签序号", "Labels"),
    ("labels_more", "批次较大，表格只列出前 200 段：整批请用上方“整批下载 PDF”，或在表单中填写序号。", "A large batch: the table lists the first 200 ranges; print the whole batch with the button above, or enter ranges in the form."),
    ("labels_confirm", "我知道此网址手机扫不开，仍要打印（仅用于试印）", "I know phones cannot open this address and want to print anyway (test prints only)"),
    ("labels_confirm_needed", "对外网址是本机或内网地址：请勾选确认后再打印，或先设置对外网址 public_url", "The public URL is a loopback or private address: tick the confirmation to print anyway, or set public_url first"),
    ("labels_confirm_first", "请先在上方勾选确认", "Confirm above first"),
    ("labels_bad_format", "“格式”须为 A4 PDF 或 ZPL", "Format must be PDF or ZPL"),
    ("labels_all", "整批打印", "The whole batch at once"),
    ("labels_all_pdf", "整批下载 PDF", "Download the whole batch as PDF"),
    ("labels_all_note", "逐份生成并保存（每份最多 2400 个标签），下方显示进度；浏览器询问是否允许下载多个文件时请选择允许。", "Made and saved one file after another (at most 2400 labels each), with progress below; allow several downloads if the browser asks."),
    ("labels_all_zpl", "整批 ZPL（一个文件，边生成边下载）", "The whole batch as ZPL (one file, streamed)"),
    ("labels_making", "正在生成第 {n} / {total} 份（标签 {from}–{to}）…", "Making file {n} of {total} (labels {from}–{to})…"),
    ("labels_done", "已生成全部 {total} 份", "All {total} files made"),
    ("labels_failed", "第 {n} 份（标签 {from}–{to}）生成失败，请重试", "File {n} (labels {from}–{to}) failed: try again"),
    ("public_url_warning_title", "标签上的码手机扫不开", "Phones cannot open the codes on labels"),
    ("public_url_warning", "追溯码签发在本机或内网地址下，手机无法访问，印出的标签将无法扫码。请用 --public-url（或配置文件中的 public_url）设置对外网址后再打印：", "Codes are issued under a loopback or private address that no phone can reach, so printed labels cannot be scanned. Set --public-url (or public_url in the settings file) before printing:"),
    ("review_notes", "自动审核提示", "Notes from the automatic check"),
    ("review", "审核结果", "Review"),
    ("activated_at", "激活时间", "Activated"),
    ("workflow", "流程", "Workflow"),
    ("gtin", "商品条码 GTIN", "GTIN"),
    ("scheme_code", "本方案码 (Ecode / 数字身份码)", "Scheme code (Ecode / digital identity)"),
    ("scheme_code_hint", "Ecode 或数字身份码方案：填写登记机构分配给本产品的码；CCC 方案以 CCC 证书编号为码", "Ecode or digital identity scheme: the code its registry allocated to the product; under CCC the certificate number is the code"),
    ("create_user", "创建账号", "Create account"),
    ("user_created", "账号已创建", "Account created"),
    ("audit", "审计日志", "Audit log"),
    ("api_docs", "API文档", "API reference"),
    ("login", "登录", "Log in"),
    ("logout", "退出", "Log out"),
    ("register", "注册企业", "Register an enterprise"),
    ("password", "密码", "Password"),
    ("login_name", "登录名", "Login"),
    ("display_name", "姓名", "Your name"),
    ("login_failed", "登录名或密码错误", "Wrong login or password"),
    ("account", "账号", "Account"),
    ("enterprise_info", "企业基本信息", "Enterprise basic information"),
    ("save", "保存", "Save"),
    ("submit", "提交", "Submit"),
    ("edit", "修改", "Edit"),
    ("history", "历史版本", "History"),
    ("new_product", "备案新产品", "File a product"),
    ("new_batch", "新建批次", "File a batch"),
    ("search", "搜索", "Search"),
    ("filter", "筛选", "Filter"),
    ("all", "全部", "All"),
    ("none_yet", "暂无记录", "Nothing here yet"),
    ("fix_errors", "请修正以下问题：", "Please fix the following:"),
    ("saved", "已保存为新版本", "Saved as a new version"),
    ("created", "已创建", "Created"),
    ("version", "版本", "Version"),
    ("updated_at", "更新时间", "Updated"),
    ("updated_by", "操作人", "By"),
    ("leaf_index", "账本序号", "Ledger leaf"),
    ("retention_until", "保存至", "Kept until"),
    ("receipt", "核验凭证", "Verify: receipt"),
    ("receipt_hint", "下载凭证，用公钥离线核验：zhisu ledger verify-proof --key 公钥 凭证.json", "Download the receipt and check it offline with the public key: zhisu ledger verify-proof --key KEY receipt.json"),
    ("ledger_key", "账本公钥", "ledger key"),
    ("rr_industry", "行业规定", "industry rule"),
    ("rr_product-life", "产品保质期/使用期限加一年", "product life + 1 year"),
    ("rr_default", "至少两年", "at least 2 years"),
    ("rr_manufacturer-minimum", "生产企业记录至少三年", "manufacturer records: 3 years"),
    ("changes", "变更内容", "Changes"),
    ("first_version", "首次备案", "First filing"),
    ("view", "查看", "View"),
    ("download", "下载", "Download"),
    ("public", "公开", "Public"),
    ("private", "不公开", "Private"),
    ("yes", "是", "Yes"),
    ("no", "否", "No"),
    ("role", "角色", "Role"),
    ("label", "名称", "Label"),
    ("create_key", "创建密钥", "Create key"),
    ("revoke", "吊销", "Revoke"),
    ("revoked", "已吊销", "Revoked"),
    ("key_once", "请立即复制此密钥，它只显示这一次：", "Copy this key now; it is shown only once:"),
    ("prefix", "前缀", "Prefix"),
    ("created_at", "创建时间", "Created"),
    ("actor", "操作人", "Actor"),
    ("action", "操作", "Action"),
    ("target", "对象", "Target"),
    ("ip", "来源地址", "From"),
    ("outcome", "结果", "Outcome"),
    ("time", "时间", "Time"),
    ("detail", "详情", "Detail"),
    ("previous", "上一页", "Previous"),
    ("next", "下一页", "Next"),
    ("total", "共", "Total"),
    ("welcome", "欢迎", "Welcome"),
    ("jurisdiction", "辖区", "Jurisdiction"),
    ("file_hint", "PDF或图片，不超过10 MB", "PDF or image, at most 10 MB"),
    ("list_hint", "每行一项", "One per line"),
    ("keep_file", "不选择文件则保留原文件", "Leave empty to keep the current file"),
    ("not_found", "未找到", "Not found"),
    ("forbidden", "无权访问", "Not allowed"),
    ("error", "出错了", "Something went wrong"),
    ("busy", "系统繁忙", "The platform is busy"),
    ("choose_role", "请选择角色", "choose a role"),
    ("change_password", "修改密码", "Change password"),
    ("totp_title", "动态口令", "One-time code"),
    ("totp_setup_intro", "登录时除密码外还需输入动态口令。请用手机上的验证器应用（如 Microsoft Authenticator、Google 身份验证器）扫描下方二维码，然后输入它显示的六位数字。", "Log-ins ask for a one-time code besides the password. Scan the QR code with an authenticator app on your phone, then type the six digits it shows."),
    ("totp_secret_hint", "无法扫码时，可在应用中手动输入密钥：", "If you cannot scan, type this key into the app:"),
    ("totp_verify_intro", "请输入手机验证器应用显示的六位动态口令。", "Type the six-digit code your authenticator app shows."),
    ("totp_code", "动态口令", "Code"),
    ("totp_submit", "确认", "Confirm"),
    ("password_forced", "您的初始密码由管理员设置。请先设置一个只有您知道的新密码，再继续使用平台。", "Your first password was set by an administrator. Set one only you know before you go on."),
    ("current_password", "当前密码", "Current password"),
    ("new_password", "新密码", "New password"),
    ("new_password_again", "再次输入新密码", "New password again"),
    ("password_rules", "10～128 个字符，至少包含小写字母、大写字母、数字、符号或汉字中的三类（16 个字符以上的短语两类即可），不能包含登录名，不能是常见密码。", "10 to 128 characters with three kinds of character (lower case, upper case, digits, symbols, Chinese), or two for a phrase of 16 or more; not containing the log-in name; not a common password."),
    ("identity_check", "身份核验", "Identity check"),
    ("identity_pending", "待核验：监管部门核验前，本企业的码扫码不显示为正品", "Not yet checked: until a regulator checks it, this enterprise's codes do not scan as genuine"),
    ("identity_hint", "核对营业执照、统一社会信用代码与登记信息是否属实。核验通过后，本企业的码扫码显示为正品；名称、地址、区划或营业执照变更后需重新核验。", "Check the business licence, USCC and registered details. Once verified, this enterprise's codes scan as genuine; a new name, address, region or licence needs a new check."),
    ("identity_note", "核验说明（不通过时必填）", "Note (required when refusing)"),
    ("identity_verify", "核验通过", "Verify"),
    ("identity_reject", "核验不通过", "Refuse"),
    ("busy_message", "系统繁忙，本次操作未作任何更改。请稍候几秒再提交一次。", "The platform is busy and nothing was changed. Please wait a few seconds and submit again."),
    ("back_home", "返回首页", "Back to the home page"),
    ("have_account", "已有账号？", "Have an account?"),
    ("no_account", "还没有账号？", "No account yet?"),
    ("csrf_failed", "表单已过期，请刷新页面后重试", "The form expired; reload the page and try again"),
    ("in_ledger", "已记入防篡改账本", "Entered in the tamper-evident ledger"),
    // Fields (G5.1, G5.2, P5).
    ("kind", "单位类型", "Kind"),
    ("name", "单位名称", "Name"),
    ("uscc", "统一社会信用代码", "Unified social credit code"),
    ("address", "生产/注册地址", "Address"),
    ("region_code", "行政区划代码", "Region code"),
    ("contact_name", "联系人", "Contact person"),
    ("contact_phone", "联系方式", "Contact phone"),
    ("business_licence", "营业执照", "Business licence"),
    ("management_certifications", "体系认证", "Management-system certifications"),
    ("product_certifications", "产品认证", "Product certifications"),
    ("website", "网址", "Website"),
    ("product_name", "产品名称", "Product name"),
    ("product_type", "产品类型", "Product type"),
    ("model", "规格型号", "Model"),
    ("category", "产品类别", "Category"),
    ("brand", "品牌", "Brand"),
    ("honours", "荣誉", "Honours"),
    ("mandatory_standards", "执行强制性国家标准", "Mandatory national standards"),
    ("production_licence_no", "工业产品生产许可证编号", "Production licence number"),
    ("ccc_cert_no", "CCC证书编号", "CCC certificate number"),
    ("warranty_months", "质保期限（月）", "Warranty (months)"),
    ("service_life_months", "保质期/使用期限（月）", "Shelf or service life (months)"),
    ("instructions", "使用说明或警示说明", "Instructions or warnings"),
    ("instructions_file", "说明书文件", "Instructions file"),
    ("materials", "原辅材料/零部件", "Raw materials / components"),
    ("functions", "产品功能", "Functions"),
    ("performance", "产品性能", "Performance"),
    ("code_scheme", "编码方案", "Code scheme"),
    ("trace_level", "追溯层级", "Trace level"),
    ("paused", "暂停生产", "Paused"),
    ("batch_no", "批次号", "Batch number"),
    ("production_date", "生产日期", "Production date"),
    ("quantity", "数量", "Quantity"),
    ("approved", "通过", "Approved"),
    ("by", "操作人", "By"),
    ("batch_id", "批次", "Batch"),
    ("code", "追溯码", "Code"),
    ("inspection_report", "出厂检验报告或型式检验报告", "Inspection or type-test report"),
    ("inspection_report_public", "公开检验报告", "Publish the report"),
    ("note", "备注", "Note"),
    ("status", "状态", "Status"),
    ("product_id", "产品", "Product"),
    ("enterprise_id", "企业", "Enterprise"),
    // Values.
    ("v_manufacturer", "生产单位", "Manufacturer"),
    ("v_seller", "销售单位", "Seller"),
    ("v_gs1", "GS1商品条码/二维码", "GS1 barcode / QR"),
    ("v_ecode", "物联网标识Ecode", "Ecode (IoT identifier)"),
    ("v_digital-id", "数字身份码", "Digital identity code"),
    ("v_ccc", "CCC认证编码", "CCC code"),
    ("v_per-product", "一品一码", "One code per product model"),
    ("v_per-batch", "一批一码", "One code per batch"),
    ("v_per-item", "一物一码", "One code per item"),
    ("v_multi-code", "组合多码", "Multi-code (bundles, parent/child)"),
    ("v_draft", "草稿", "Draft"),
    ("v_submitted", "待审核", "Submitted"),
    ("v_approved", "已通过", "Approved"),
    ("v_pending", "待审核", "Pending"),
    ("v_rejected", "已驳回", "Rejected"),
    ("v_verified", "已核验", "Verified"),
    ("v_active", "已激活", "Active"),
    ("v_manufacturer-admin", "生产企业管理员", "Manufacturer admin"),
    ("v_manufacturer-operator", "生产企业操作员", "Manufacturer operator"),
    ("v_seller-role", "销售企业", "Seller"),
    ("v_regulator", "监管人员", "Regulator"),
    ("v_platform-admin", "系统管理员", "System administrator"),
    ("v_security-admin", "安全管理员", "Security administrator"),
    ("duty_security", "您是安全管理员：为监管人员和企业创建账号，发放和吊销 API 密钥。三员分立：业务数据由系统管理员处理，审计日志由安全审计员查阅。", "You are the security administrator: you create accounts for regulators and enterprises and issue and revoke API keys. Duties are separated: the system administrator handles the business records, the audit administrator reads the audit log."),
    ("duty_audit", "您是安全审计员：查阅和导出审计日志，包括系统管理员和安全管理员的操作。审计日志任何人都不能修改或删除。", "You are the audit administrator: you read and export the audit log, the system and security administrators' actions included. No one can edit or delete the audit log."),
    ("v_audit-admin", "安全审计员", "Audit administrator"),
];

/// FNV-1a: the text keys are short and trusted, so a hash that costs a
/// few nanoseconds beats SipHash (pages look up dozens per request).
#[derive(Default, Clone, Copy)]
struct Fnv;

struct FnvHasher(u64);

impl std::hash::BuildHasher for Fnv {
    type Hasher = FnvHasher;
    fn build_hasher(&self) -> FnvHasher {
        FnvHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Supported page languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn from_cookie(value: Option<&str>) -> Lang {
        match value {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Every text of this language, for templates (`tr.key`).
    pub fn table(self) -> BTreeMap<&'static str, &'static str> {
        TEXT.iter()
            .map(|(k, zh, en)| (*k, if self == Lang::Zh { *zh } else { *en }))
            .collect()
    }

    /// [`Lang::table`] as a template value, built once per language.
    pub fn table_value(self) -> minijinja::Value {
        static ZH: std::sync::OnceLock<minijinja::Value> = std::sync::OnceLock::new();
        static EN: std::sync::OnceLock<minijinja::Value> = std::sync::OnceLock::new();
        let cell = if self == Lang::Zh { &ZH } else { &EN };
        cell.get_or_init(|| minijinja::Value::from_serialize(self.table()))
            .clone()
    }

    pub fn text(self, key: &str) -> &'static str {
        type Index = std::collections::HashMap<&'static str, usize, Fnv>;
        static INDEX: std::sync::OnceLock<Index> = std::sync::OnceLock::new();
        let index = INDEX.get_or_init(|| TEXT.iter().enumerate().map(|(i, t)| (t.0, i)).collect());
        index
            .get(key)
            .map(|&i| {
                if self == Lang::Zh {
                    TEXT[i].1
                } else {
                    TEXT[i].2
                }
            })
            .unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_complete() {
        let mut seen = std::collections::HashSet::new();
        for (k, zh, en) in TEXT {
            assert!(seen.insert(k), "duplicate key {k}");
            assert!(!zh.is_empty() && !en.is_empty(), "{k}");
        }
        for step in zhisu_service::LifeStep::KINDS {
            let key = format!("life_{step}");
            assert!(
                !Lang::Zh.text(&key).is_empty(),
                "no label for the life step {step}"
            );
        }
        assert_eq!(Lang::En.text("login"), "Log in");
        assert_eq!(Lang::Zh.text("login"), "登录");
    }
}
